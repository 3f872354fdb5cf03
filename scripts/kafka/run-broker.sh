#!/usr/bin/env bash
# Runs one single-node Apache Kafka broker in KRaft mode, in the foreground, until killed.
#
#   scripts/kafka/run-broker.sh <port> <data-dir>
#
# The broker listens on 127.0.0.1:<port>; its controller on <port>+1. The data dir keeps
# the log segments, so stopping and re-running with the same dir is a broker restart.
# Partitions default to 3 and topics are not auto-created: the projector creates them.
#
# Optional, for brokers with more listeners (packages/testkit's SASL_SSL broker):
#   <data-dir>/extra.properties   appended to server.properties (a later key wins);
#   <data-dir>/scram-credentials  one SCRAM credential a line, e.g.
#                                 SCRAM-SHA-512=[name=alice,password=alice-secret],
#                                 added to the KRaft metadata when the dir is formatted.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:?usage: run-broker.sh <port> <data-dir>}"
data="${2:?usage: run-broker.sh <port> <data-dir>}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
libs="$(bash "$here/fetch.sh")"
mkdir -p "$data/log"
config="$data/server.properties"
cat >"$config" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/log
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=1
# After a SIGKILL the controller keeps the dead broker's registration until its session times
# out, and the restarted broker waits for that (9 s by default). A single node on one machine
# can afford a short session.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
PROPS
if [ -f "$data/extra.properties" ]; then cat "$data/extra.properties" >>"$config"; fi
format_args=()
if [ -f "$data/scram-credentials" ]; then
  while IFS= read -r credential; do
    if [ -n "$credential" ]; then format_args+=(--add-scram "$credential"); fi
  done <"$data/scram-credentials"
fi
java_opts=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true "-Dkafka.log.file=$data/server.log")
if compgen -G "$libs/log4j-slf4j-impl-*.jar" >/dev/null; then
  java_opts+=("-Dlog4j2.configurationFile=$here/log4j2.properties") # Kafka 4.x
else
  java_opts+=("-Dlog4j.configuration=file:$here/log4j.properties") # Kafka 3.x
fi
if [ ! -f "$data/log/meta.properties" ]; then
  cluster_id="$(java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool random-uuid)"
  java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$config" \
    ${format_args[@]+"${format_args[@]}"} >/dev/null
fi
exec java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$config"
