#!/usr/bin/env bash
# Runs one redis-server (the machine's own binary) in the foreground, until killed.
#
#   scripts/redis/run-server.sh <port> <data-dir> [aof|aof-everysec|none] [redis-server args…]
#
# Listens on 127.0.0.1:<port>; keeps its AOF and redis.log in <data-dir>. No RDB snapshots.
# `aof` (the default) fsyncs every write before acknowledging it (`appendfsync always`), so a
# SIGKILL loses nothing that a client saw succeed; `aof-everysec` fsyncs once a second (Redis'
# usual production setting: a SIGKILL loses up to the last second or two of acknowledged writes);
# `none` keeps everything in memory only.
# Further arguments go to redis-server as they are (a cluster node: --cluster-enabled yes …).
# Re-running with the same dir is a restart. packages/testkit starts Redis through this script.
set -euo pipefail
port="${1:?usage: run-server.sh <port> <data-dir> [aof|aof-everysec|none]}"
data="${2:?usage: run-server.sh <port> <data-dir> [aof|aof-everysec|none]}"
persistence="${3:-aof}"
shift $(($# < 3 ? $# : 3))
command -v redis-server >/dev/null || { echo "run-server.sh: redis-server is not installed" >&2; exit 1; }
mkdir -p "$data"
case "$persistence" in
  aof) persistence_args=(--appendonly yes --appendfsync always) ;;
  aof-everysec) persistence_args=(--appendonly yes --appendfsync everysec) ;;
  none) persistence_args=(--appendonly no) ;;
  *) echo "run-server.sh: persistence must be aof, aof-everysec or none, not '$persistence'" >&2; exit 2 ;;
esac
exec redis-server --port "$port" --bind 127.0.0.1 --dir "$data" --logfile "$data/redis.log" \
  --daemonize no --save '' "${persistence_args[@]}" "$@"
