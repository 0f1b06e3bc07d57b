#!/usr/bin/env bash
# Builds the stack's images with podman from Debian's own packages, for machines that reach
# no image registry (docker-compose.yml names public images by default):
#   localhost/tiendo-python:3.11-bookworm   Debian's Python 3.11 (stands in for python:3.11-slim)
#   localhost/tiendo:latest                 the Dockerfile at the root, FROM the one above
#   localhost/tiendo-kafka:4.1.1            Kafka 4.1.1 from infra/kafka/pom.xml's jars (for apache/kafka:4.1.1)
#   localhost/tiendo-postgres:15            Debian's PostgreSQL 15 (for postgres:16)
# and writes the variables that point docker-compose.yml at them to
# .local/containers/images.env, whose path is the one line it prints on standard output
# (everything else goes to standard error). The debootstrapped base is made once per
# version of base-image.sh; podman's layer cache rebuilds a layer only when its inputs
# change, so a second run takes seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
state=${TIENDO_STATE:-$root/.local}/containers
mkdir -p "$state"

debian=$("$here/base-image.sh")
# --network host: the builds fetch Debian's packages and PyPI's through the host's own
# network, as every other install here does.
build() { podman_ build --quiet --network host --layers --build-arg DEBIAN_IMAGE="$debian" "$@" >/dev/null; }

echo "containers: python base" >&2
build -t localhost/tiendo-python:3.11-bookworm -f "$here/python.Containerfile" "$here"

echo "containers: tiendo" >&2
# The host's CA bundle as the build secret "ca" (the Dockerfile): pip inside the build then
# trusts what pip on the host trusts (PIP_CERT, else the system's bundle).
ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
build -t localhost/tiendo:latest ${ca:+--secret id=ca,src="$ca"} --build-arg BASE_IMAGE=localhost/tiendo-python:3.11-bookworm -f "$root/Dockerfile" "$root"

echo "containers: kafka" >&2
libs=$root/infra/kafka/target/libs
if [ ! -f "$libs/kafka_2.13-4.1.1.jar" ]; then
  (cd "$root/infra/kafka" && mvn -q -B -Dstyle.color=never package) >&2
fi
ctx=$state/kafka-context
rm -rf "$ctx" && mkdir -p "$ctx" && cp -r "$libs" "$ctx/libs"
# The broker's jars lack the tools module, whose BrokerApiVersionsCommand the health
# check runs (apache/kafka ships it in the same libs folder).
tools=$state/kafka-tools
if [ ! -f "$tools/kafka-tools-4.1.1.jar" ]; then
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact=org.apache.kafka:kafka-tools:4.1.1 -DoutputDirectory="$tools" >&2
fi
cp "$tools/kafka-tools-4.1.1.jar" "$ctx/libs/"
cp "$here/kafka/Containerfile" "$here/kafka/"*.sh "$here/kafka/log4j2.yaml" "$ctx/"
# infra/kafka.sh makes its files private (umask 077); the broker's user in the image reads them.
chmod -R a+rX "$ctx"
build -t localhost/tiendo-kafka:4.1.1 "$ctx"

echo "containers: postgres" >&2
build -t localhost/tiendo-postgres:15 "$here/postgres"

cat >"$state/images.env" <<ENV
TIENDO_PYTHON_BASE_IMAGE=localhost/tiendo-python:3.11-bookworm
TIENDO_IMAGE=localhost/tiendo:latest
TIENDO_KAFKA_IMAGE=localhost/tiendo-kafka:4.1.1
TIENDO_POSTGRES_IMAGE=localhost/tiendo-postgres:15
ENV
echo "$state/images.env"
