#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars from Maven Central into .cache/kafka-<version>/libs.
# Idempotent: does nothing when the jars are already there. Prints the libs directory.
#
#   KAFKA_VERSION=4.1.1 bash scripts/kafka/fetch.sh     # another version (default below)
#
# Kafka 3.x logs through log4j 1 (reload4j), 4.x through log4j 2: pom.xml has one profile each,
# and run-broker.sh configures whichever backend it finds in the libs directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="${KAFKA_VERSION:-3.9.1}"
libs="$root/.cache/kafka-$version/libs"
if [ "${version%%.*}" -ge 4 ]; then
  profile=log4j2 logging_jar=log4j-slf4j-impl
else
  profile=reload4j logging_jar=slf4j-reload4j
fi
have_jars() { [ -f "$libs/kafka_2.13-$version.jar" ] && compgen -G "$libs/$logging_jar-*.jar" >/dev/null; }
if ! have_jars; then
  # Two test runs on a fresh checkout may both get here: one fetches, the other waits.
  mkdir -p "$root/.cache"
  exec 9>"$root/.cache/kafka-$version.lock"
  flock 9
fi
if ! have_jars; then
  command -v mvn >/dev/null || { echo "fetch.sh: Maven (mvn) is needed to fetch Kafka $version" >&2; exit 1; }
  echo "fetch.sh: fetching Apache Kafka $version from Maven Central" >&2
  rm -rf "$libs.partial"
  mvn -q -B -f "$here/pom.xml" -P "$profile" dependency:copy-dependencies \
    -Dkafka.version="$version" -DoutputDirectory="$libs.partial" >&2
  rm -rf "$libs" && mv "$libs.partial" "$libs"
fi
echo "$libs"
