#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when their command is missing:
#   promtool      (package prometheus):          `promtool test rules` for deploy/prometheus
#   chromium      (package chromium):            the status page's browser test (playwright-core)
#   redis-server  (package redis-server):        the integration tests' Redis servers
#   java, mvn     (default-jre-headless, maven): the Kafka broker (scripts/kafka/fetch.sh)
#   php, phpunit  (php-cli, php-redis, phpunit): the PHP reader's tests (clients/php)
# Quiet and instant when all are present. Needs root (or sudo) only when something is missing.
set -euo pipefail

missing=()
command -v promtool >/dev/null || missing+=(prometheus)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v php >/dev/null || missing+=(php-cli)
{ command -v php >/dev/null && php -m | grep -qx redis; } || missing+=(php-redis)
command -v phpunit >/dev/null || missing+=(phpunit)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then as_root=(); elif command -v sudo >/dev/null; then as_root=(sudo); else
  echo "debian-packages: need ${missing[*]} (apt-get install ${missing[*]}), and neither root nor sudo" >&2
  exit 1
fi
command -v apt-get >/dev/null || {
  echo "debian-packages: no apt-get; install ${missing[*]} yourself" >&2
  exit 1
}
echo "debian-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
# prometheus' own service is not wanted here: only its promtool.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
