#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker and controller in one JVM)
# for development and CI, from the official Apache jars on Maven Central, run
# with the machine's Java on loopback only.
#
#   deploy/kafka/kafka.sh start    # fetch the jars once (cached), format, start, wait until ready
#   deploy/kafka/kafka.sh stop
#   deploy/kafka/kafka.sh status   # exit 0 when running
#
# Environment:
#   PANTAU_KAFKA_HOME  where jars, config, data and logs live (default: <repo>/.kafka)
#   PANTAU_KAFKA_PORT  client port on 127.0.0.1 (default 9092; the controller uses port+1)
#   PANTAU_KAFKA_HEAP  JVM heap (default 512m)
#
# Kafka 3.9.1: the last line that still accepts the older protocol versions
# aiokafka 0.14 and faust-streaming 0.15 send; Kafka 4 removed them (KIP-896).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
home="${PANTAU_KAFKA_HOME:-$repo/.kafka}"
port="${PANTAU_KAFKA_PORT:-9092}"
controller_port=$((port + 1))
heap="${PANTAU_KAFKA_HEAP:-512m}"
libs="$home/lib/$version"
run="$home/run-$port"
pidfile="$run/kafka.pid"
log="$run/server.log"

die() { echo "kafka.sh: $*" >&2; exit 1; }

fetch_jars() {
  [[ -f "$libs/.complete" ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch the Kafka jars: apt-get install maven"
  echo "kafka.sh: fetching Apache Kafka $version jars from Maven Central into $libs" >&2
  rm -rf "$libs.part" && mkdir -p "$libs.part"
  mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$libs.part" >"$home/mvn.log" 2>&1 \
    || die "fetching the Kafka jars failed; see $home/mvn.log"
  ls "$libs.part"/kafka_2.13-"$version".jar >/dev/null 2>&1 || die "kafka_2.13-$version.jar missing after fetch"
  rm -rf "$libs" && mv "$libs.part" "$libs" && touch "$libs/.complete"
}

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  mkdir -p "$run/data"
  cat >"$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$run/data
num.partitions=4
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
  cat >"$run/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
}

java_args() {
  command -v java >/dev/null || die "Java 17 is needed: apt-get install default-jre-headless"
  jvm=(java "-Xms128m" "-Xmx$heap" -XX:+UseG1GC -Djava.awt.headless=true
       "-Dlog4j.configuration=file:$run/log4j.properties" -cp "$libs/*")
}

start() {
  if running; then echo "kafka.sh: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2; return 0; fi
  port_open "$port" && die "port $port is taken by another process; set PANTAU_KAFKA_PORT"
  mkdir -p "$home" "$run"
  fetch_jars
  write_config
  java_args
  if [[ ! -f "$run/data/meta.properties" ]]; then
    cluster_id="$("${jvm[@]}" kafka.tools.StorageTool random-uuid)"
    "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$run/server.properties" >"$run/format.log" 2>&1 \
      || die "formatting the KRaft log dir failed; see $run/format.log"
  fi
  : >"$log"
  nohup "${jvm[@]}" kafka.Kafka "$run/server.properties" >"$run/stdout.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if ! running; then tail -n 20 "$run/stdout.log" "$log" >&2 || true; die "broker exited during start"; fi
    if port_open "$port" && grep -q "Kafka Server started" "$log" "$run/stdout.log" 2>/dev/null; then
      echo "kafka.sh: Kafka $version ready on 127.0.0.1:$port (pid $(cat "$pidfile"), data $run/data)" >&2
      return 0
    fi
    sleep 0.5
  done
  stop; die "broker not ready after 60 s; see $log"
}

stop() {
  if ! running; then rm -f "$pidfile"; echo "kafka.sh: not running" >&2; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
  echo "kafka.sh: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
