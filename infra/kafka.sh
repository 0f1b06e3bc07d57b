#!/usr/bin/env bash
# Starts and stops a single-node KRaft Apache Kafka broker assembled from Maven Central.
# State lives under $TIENDO_STATE (default: <repo>/.local); the jars are cached in ~/.m2
# and infra/kafka/target/libs, so a second start downloads nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
state=${TIENDO_STATE:-$root/.local}/kafka
libs=$here/kafka/target/libs
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
pidfile=$state/broker.pid
log=$state/broker.log
timeout=${KAFKA_START_TIMEOUT:-90}

assemble() {
  if [ ! -f "$libs/kafka_2.13-4.1.1.jar" ]; then
    echo "kafka: assembling the broker from Maven Central (once)…"
    (cd "$here/kafka" && mvn -q -B -Dstyle.color=never package)
  fi
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

write_config() {
  mkdir -p "$state/data"
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=4194304
auto.create.topics.enable=true
message.max.bytes=4194304
PROPS
  cat > "$state/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
PROPS
}

# Heap capped at 512 MB: the machine is shared with PostgreSQL and the workers.
java_cmd() {
  exec java -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$state/log4j2.properties" \
    -cp "$libs/*" "$@"
}

up() {
  if running; then echo "kafka: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  assemble
  write_config
  if [ ! -f "$state/data/meta.properties" ]; then
    cluster_id=$( (java_cmd kafka.tools.StorageTool random-uuid) | tail -n 1)
    (java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
      --standalone --ignore-formatted) >"$state/format.log" 2>&1 \
      || { cat "$state/format.log"; exit 1; }
  fi
  : >"$log"
  (java_cmd kafka.Kafka "$state/server.properties") >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq "$timeout"); do
    if grep -q "Kafka Server started" "$log"; then
      echo "kafka: started (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0
    fi
    running || break
    sleep 1
  done
  echo "kafka: did not become ready within ${timeout}s; the broker log follows" >&2
  tail -n 60 "$log" >&2
  down
  exit 1
}

down() {
  if running; then
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "kafka: stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if running; then echo "kafka: running (pid $(cat "$pidfile"))"; else echo "kafka: stopped"; exit 1; fi ;;
  reset) down; rm -rf "$state/data" ;;
  *) echo "usage: $0 up|down|status|reset" >&2; exit 2 ;;
esac
