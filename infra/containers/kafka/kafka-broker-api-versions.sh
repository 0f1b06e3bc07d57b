#!/bin/sh
# What apache/kafka's bin/kafka-broker-api-versions.sh runs (the compose health check).
exec java -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile=/opt/kafka/bin/log4j2.yaml \
  -cp "/opt/kafka/libs/*" org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
