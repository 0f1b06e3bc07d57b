#!/bin/sh
# apache/kafka's start-up, for the broker image built here (Containerfile): writes the
# server properties from the environment as apache/kafka does (KAFKA_FOO_BAR=v →
# foo.bar=v; "__" stands for "_" and "___" for "-"), formats the storage once with
# CLUSTER_ID, then runs the broker in the foreground.
set -eu
cd /opt/kafka
props=config/server.properties
# Variables that configure the JVM or the scripts, not the broker (as apache/kafka).
env | sed -n 's/^\(KAFKA_[A-Za-z0-9_]*\)=.*/\1/p' | sort | while read -r name; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS|KAFKA_JMX_OPTS|KAFKA_GC_LOG_OPTS|KAFKA_VERSION) continue ;;
  esac
  key=$(printf '%s' "${name#KAFKA_}" | tr 'A-Z_' 'a-z.' | sed 's/\.\.\./-/g; s/\.\./_/g')
  printf '%s=%s\n' "$key" "$(printenv "$name")"
done >"$props"
grep -q '^log.dirs=' "$props" || echo "log.dirs=/var/lib/kafka/data" >>"$props"
cp_="libs/*"
java_() { exec_=$1; shift; $exec_ java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m} -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j2.configurationFile=/opt/kafka/bin/log4j2.yaml -cp "$cp_" "$@"; }
java_ "" kafka.tools.StorageTool format --ignore-formatted -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$props"
java_ exec kafka.Kafka "$props"
