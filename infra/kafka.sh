#!/usr/bin/env bash
# Starts and stops a single-node KRaft Apache Kafka broker assembled from Maven Central.
# State lives under $TIENDO_STATE (default: <repo>/.local); the jars are cached in ~/.m2
# and infra/kafka/target/libs, so a second start downloads nothing.
#
# Clients authenticate with SASL/SCRAM-SHA-512 on 127.0.0.1:$KAFKA_PORT and are authorised
# by ACLs (StandardAuthorizer; nothing is allowed without an ACL but to the super user
# admin). The principals admin, ingest, scorer, report and agency get random passwords
# when the storage is formatted (bootstrapped into the metadata with --add-scram); each
# one's credentials are written 0600 to $state/credentials/<principal>.env (variables
# Tiến độ reads: `TIENDO_KAFKA_CREDENTIALS=<that file>`) and <principal>.kcat.properties
# (`kcat -F <that file>`; SASL/PLAIN, see plain_users). The controller listener (127.0.0.1:$KAFKA_CONTROLLER_PORT)
# takes only admin (SASL/PLAIN: KRaft's controller cannot use SCRAM; PLAINTEXT would make
# every local process an anonymous principal that the controller has to trust).
set -euo pipefail
umask 077
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
state=${TIENDO_STATE:-$root/.local}/kafka
libs=$here/kafka/target/libs
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
creds=$state/credentials
principals=(admin ingest scorer report agency)
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

password_of() { sed -n 's/^KAFKA_SASL_PASSWORD=//p' "$creds/$1.env"; }

# One password per principal, generated once and kept across `reset` (shells and
# running services keep working); the SCRAM credentials are bootstrapped at format.
write_credentials() {
  mkdir -p "$creds"
  chmod 700 "$creds"
  for p in "${principals[@]}"; do
    [ -s "$creds/$p.env" ] && continue
    pw=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    cat > "$creds/$p.env" <<ENV
KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
KAFKA_SASL_MECHANISM=SCRAM-SHA-512
KAFKA_SASL_USERNAME=$p
KAFKA_SASL_PASSWORD=$pw
ENV
    cat > "$creds/$p.kcat.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanisms=PLAIN
sasl.username=$p
sasl.password=$pw
PROPS
  done
  # The same passwords for docker-compose.yml (`docker compose --env-file <this file>`).
  for p in "${principals[@]}"; do
    echo "TIENDO_KAFKA_$(echo "$p" | tr a-z A-Z)_PASSWORD=$(password_of "$p")"
  done >"$creds/compose.env"
}

# The built-in principals as SASL/PLAIN users (JAAS `user_<name>="<password>"`), for kcat:
# Debian's librdkafka (2.0) cannot do SCRAM with a Kafka 4 broker (fixed in 2.6.1).
plain_users() {
  for p in "${principals[@]}"; do printf ' user_%s="%s"' "$p" "$(password_of "$p")"; done
}

# The data was formatted with SCRAM credentials, and the files holding them are all here.
credentials_match() {
  [ -f "$state/data/.scram" ] || return 1
  for p in "${principals[@]}"; do [ -s "$creds/$p.env" ] || return 1; done
}

write_config() {
  mkdir -p "$state/data"
  # 0600 (umask): the broker authenticates to itself as admin (inter-broker listener).
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=CLIENT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=CLIENT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=CLIENT
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$(plain_users);
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password_of admin)";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$(password_of admin)" user_admin="$(password_of admin)";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
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
  if [ -f "$state/data/meta.properties" ] && ! credentials_match; then
    # Formatted before authentication existed (no credentials in its metadata), or the
    # credential files were lost. The local broker's data is disposable: format again.
    echo "kafka: $state/data was not formatted with the credentials in $creds: reformatting"
    rm -rf "$state/data"
  fi
  write_credentials
  write_config
  if [ ! -f "$state/data/meta.properties" ]; then
    cluster_id=$( (java_cmd kafka.tools.StorageTool random-uuid) | tail -n 1)
    scram=()
    for p in "${principals[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$p,password=$(password_of "$p")]")
    done
    (java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
      --standalone --ignore-formatted "${scram[@]}") >"$state/format.log" 2>&1 \
      || { cat "$state/format.log"; exit 1; }
    printf '%s\n' "${principals[@]}" >"$state/data/.scram"
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
  credentials) write_credentials; echo "$creds" ;;
  *) echo "usage: $0 up|down|status|reset|credentials" >&2; exit 2 ;;
esac
