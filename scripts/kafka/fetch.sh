#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars from Maven Central into .cache/kafka-<version>/libs.
# Idempotent: does nothing when the jars are already there. Prints the libs directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="${KAFKA_VERSION:-3.9.1}"
libs="$root/.cache/kafka-$version/libs"
if [ ! -f "$libs/kafka_2.13-$version.jar" ]; then
  command -v mvn >/dev/null || { echo "fetch.sh: Maven (mvn) is needed to fetch Kafka $version" >&2; exit 1; }
  echo "fetch.sh: fetching Apache Kafka $version from Maven Central" >&2
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -DoutputDirectory="$libs.partial" >&2
  rm -rf "$libs" && mv "$libs.partial" "$libs"
fi
echo "$libs"
