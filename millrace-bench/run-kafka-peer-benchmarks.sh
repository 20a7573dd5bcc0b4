#!/usr/bin/env bash
# Millrace's Kafka listener against a real Apache Kafka 4.3.1 broker (single-node KRaft), with
# Kafka's own tools, in one run, one system at a time; prints a summary with Millrace/Kafka ratios
# and the targets of issue 3. About 12 minutes on 2 cores; run it on an otherwise idle machine.
# docs/benchmarks.md ("Kafka listener vs Apache Kafka") explains what is measured.
#
#   millrace-bench/run-kafka-peer-benchmarks.sh
#
# Environment:
#   JAVA_HOME            the JDK to use for everything (default: java on the PATH)
#   MILLRACE_BENCH_DIR   where both systems keep their data (default: millrace-bench/target/bench-data);
#                        must be on the disk you mean to measure, not a tmpfs. Deleted afterwards.
#   BUILD=0              use the existing millrace.jar and millrace-bench.jar
#   KAFKA_PORT, KAFKA_CONTROLLER_PORT, MILLRACE_PORT, MILLRACE_HTTP_PORT   ports (19192-19195)
#   PRODUCE_SECONDS      how long each measured ProducerPerformance run should take (27); the
#                        record count is set from a short calibration run on the same system
#   E2E_RECORDS          records for EndToEndLatency (10000)
#   LATENCY_RATES, LATENCY_SECONDS   open-loop latency: records/s and measured seconds (1000,10000; 15)
#   MILLRACE_JAVA_OPTS   JVM options for Millrace, passed to the ./millrace launcher (default: none)
#
# The broker and tools come from Maven Central through millrace-bench/peers/kafka/pom.xml (cached in
# ~/.m2); nothing downloaded is kept in the repository. Results (every tool's output, the broker's
# log, the exact commands, summary.txt) go to millrace-bench/target/peer-results/DATE/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
peer_pom="$here/peers/kafka/pom.xml"
millrace_jar="$root/millrace-server/target/millrace.jar"
bench_jar="$here/target/millrace-bench.jar"

kafka_port="${KAFKA_PORT:-19192}"
controller_port="${KAFKA_CONTROLLER_PORT:-19193}"
millrace_port="${MILLRACE_PORT:-19194}"
millrace_http_port="${MILLRACE_HTTP_PORT:-19195}"
produce_seconds="${PRODUCE_SECONDS:-27}"
e2e_records="${E2E_RECORDS:-10000}"
latency_rates="${LATENCY_RATES:-1000,10000}"
latency_seconds="${LATENCY_SECONDS:-15}"
tool_timeout_s=600

# JVM options as Kafka's scripts set them: kafka-server-start.sh (heap) and kafka-run-class.sh
# (KAFKA_JVM_PERFORMANCE_OPTS); the perf-test scripts give the tools -Xmx512M.
kafka_jvm_performance=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)
broker_jvm=(-Xmx1G -Xms1G "${kafka_jvm_performance[@]}")
tool_jvm=(-Xmx512M "${kafka_jvm_performance[@]}"
  "-Dlog4j2.configurationFile=$here/peers/kafka/log4j2-tools.properties")
export MILLRACE_JAVA_OPTS="${MILLRACE_JAVA_OPTS:-}"
[ -z "${JAVA_HOME:-}" ] || export JAVA_HOME

die() {
  echo "FAILED: $*" | tee -a "${summary:-/dev/stderr}" >&2
  exit 1
}

# --- processes we start, stopped by the trap whatever happens --------------------------------------
server_pid=""
tool_pid=""
data=""

stop_server() { # stops the running server with SIGTERM (SIGKILL after 60 s); prints seconds taken
  [ -n "$server_pid" ] || return 0
  local pid="$server_pid" start="$EPOCHREALTIME" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    read -r -t 0.1 -u "$sleep_fd" || true
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "WARNING: server $pid did not stop within 60 s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  server_pid=""
  elapsed_ms "$start" >"$results/last-stop-ms"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$tool_pid" ]; then kill -TERM "$tool_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then stop_server || true; fi
  if [ -n "$data" ]; then rm -rf "$data"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A sleep without a fork: read with a timeout from a pipe nobody writes to.
exec {sleep_fd}<> <(:)

elapsed_ms() { # milliseconds since an $EPOCHREALTIME value
  local now="$EPOCHREALTIME"
  echo $(((10#${now/./} - 10#${1/./}) / 1000))
}

port_open() { { : <>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; }

# Sends ApiVersions v0 (correlation id "AAAA") and waits up to $2 s for its answer; NUL bytes are
# dropped by read, the correlation id is not.
api_answers() {
  local LC_ALL=C reply=""
  {
    printf '\x00\x00\x00\x0b\x00\x12\x00\x00AAAA\x00\x01x' >&3
    IFS= read -r -t "$2" -N 6 -u 3 reply || true
  } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  [[ $reply == *AAAA* ]]
}

show() { # prints a command as it is run, with the long class path abbreviated
  local line
  line="$(printf '%q ' "$@")"
  line="${line//"$kafka_cp"/\$KAFKA_CP}"
  echo "+ ${line% }" | tee -a "$results/commands.txt"
}

# Runs a tool in the background (so the trap can stop it), output to $results/$1.log; fails the
# whole run if the tool fails.
run_tool() {
  local name="$1" status=0
  shift
  show "$@"
  timeout --kill-after=10 "$tool_timeout_s" "$@" >"$results/$name.log" 2>&1 &
  tool_pid=$!
  wait "$tool_pid" || status=$?
  tool_pid=""
  if [ "$status" != 0 ]; then
    tail -30 "$results/$name.log" >&2
    die "$name exited with status $status (full output: $results/$name.log)"
  fi
}

kafka_tool() { # name, main class, arguments...
  local name="$1" class="$2"
  shift 2
  run_tool "$name" "$java" "${tool_jvm[@]}" -cp "$kafka_cp" "$class" "$@"
}

# --- preparation ------------------------------------------------------------------------------------
for port in "$kafka_port" "$controller_port" "$millrace_port" "$millrace_http_port"; do
  if port_open "$port"; then die "port $port on 127.0.0.1 is already in use"; fi
done

if [ "${BUILD:-1}" = 1 ] || [ ! -f "$millrace_jar" ] || [ ! -f "$bench_jar" ]; then
  echo "building millrace-server and millrace-bench ..."
  (cd "$root" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true \
    -pl millrace-server,millrace-bench -am package)
fi

results="$here/target/peer-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
summary="$results/summary.txt"

echo "resolving Apache Kafka 4.3.1 (broker and tools) with Maven ..."
(cd "$root" && ./mvnw -B -q -f "$peer_pom" dependency:build-classpath \
  "-Dmdep.outputFile=$results/kafka-classpath.txt") || die "could not resolve $peer_pom"
kafka_cp="$(cat "$results/kafka-classpath.txt")"
[ -n "$kafka_cp" ] || die "empty Kafka class path"

data_base="${MILLRACE_BENCH_DIR:-$here/target/bench-data}"
mkdir -p "$data_base"
data="$(mktemp -d "$data_base/peer-XXXXXX")"

{
  echo "Millrace vs Apache Kafka 4.3.1, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "data dir: $data on $(df -T "$data" | awk 'NR==2 {print $2 " (" $1 ")"}')"
  echo "java: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Kafka class path: $results/kafka-classpath.txt (\$KAFKA_CP in the commands)"
} | tee "$summary"

declare -A fig # figures by "system.metric"

# --- one system -------------------------------------------------------------------------------------
start_kafka() { # formats a fresh KRaft log dir and starts the broker in the background
  local dir="$data/kafka"
  mkdir -p "$dir/logs"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  cp "$dir/server.properties" "$results/kafka-server.properties"
  kafka_tool kafka-random-uuid kafka.tools.StorageTool random-uuid
  local cluster_id
  cluster_id="$(tail -1 "$results/kafka-random-uuid.log")"
  kafka_tool kafka-format kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties"
  local command=("$java" "${broker_jvm[@]}"
    "-Dlog4j2.configurationFile=$here/peers/kafka/log4j2-broker.properties"
    "-Dkafka.logs.dir=$results" -cp "$kafka_cp" kafka.Kafka "$dir/server.properties")
  show "${command[@]}"
  launch_start="$EPOCHREALTIME"
  "${command[@]}" >"$results/kafka-stdout.log" 2>&1 &
  server_pid=$!
  port="$kafka_port"
}

# Millrace starts as users start it, through the ./millrace launcher (which execs the JVM, so the
# PID is the server's), with its class-data-sharing archive; MILLRACE_JAVA_OPTS passes through.
start_millrace() { # [data directory]
  local command=("$root/millrace" server --data-dir "${1:-$data/millrace}" --kafka-port "$millrace_port"
    --http-port "$millrace_http_port")
  show "${command[@]}"
  launch_start="$EPOCHREALTIME"
  "${command[@]}" >"$results/millrace-server.log" 2>&1 &
  server_pid=$!
  port="$millrace_port"
}

# The first start after a build writes the launcher's class-data archive (at exit); every later
# start maps it. Measured apart, then stopped, so the measured start is the usual one.
first_start_millrace() {
  start_millrace "$data/millrace-first-start"
  wait_until_ready millrace_first
  stop_server
  rm -rf "$data/millrace-first-start"
}

wait_until_ready() { # system: TCP accept, then the first ApiVersions answer, timed from the launch
  local system="$1" deadline=$((SECONDS + 120))
  until port_open "$port"; do
    kill -0 "$server_pid" 2>/dev/null || die "$system exited during startup"
    ((SECONDS < deadline)) || die "$system did not accept connections within 120 s"
    read -r -t 0.002 -u "$sleep_fd" || true
  done
  fig[$system.tcp_ms]="$(elapsed_ms "$launch_start")"
  until api_answers "$port" 30; do
    kill -0 "$server_pid" 2>/dev/null || die "$system exited during startup"
    ((SECONDS < deadline)) || die "$system did not answer ApiVersions within 120 s"
    read -r -t 0.002 -u "$sleep_fd" || true
  done
  fig[$system.api_ms]="$(elapsed_ms "$launch_start")"
  echo "$system: accepts connections $((fig[$system.tcp_ms])) ms after launch, answers ApiVersions after $((fig[$system.api_ms])) ms"
}

rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }

# CPU time the server has used so far, in clock ticks (user + system; the command name, field 2,
# has no spaces here).
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
clock_ticks="$(getconf CLK_TCK)"

# Runs a measured tool and records the server's CPU over it: fig[$key.cpu_s] in seconds and
# fig[$key.cpu_cores], the share of a core it kept busy on average.
measure_server_cpu() { # figure key, kafka_tool arguments...
  local key="$1" ticks_before start
  shift
  ticks_before="$(server_cpu_ticks)"
  start="$EPOCHREALTIME"
  kafka_tool "$@"
  fig[$key.wall_ms]="$(elapsed_ms "$start")"
  fig[$key.cpu_s]="$(awk -v t=$(($(server_cpu_ticks) - ticks_before)) -v hz="$clock_ticks" 'BEGIN {printf "%.1f", t / hz}')"
  fig[$key.cpu_cores]="$(awk -v c="${fig[$key.cpu_s]}" -v w="${fig[$key.wall_ms]}" 'BEGIN {printf "%.2f", c * 1000 / w}')"
}

# ProducerPerformance prints, at the end, a line for the whole run
#   N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, ...
# and, with --warmup-records, one for the records after the warm-up:
#   N steady state records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
#   P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.
check_produced() { # system, name, log, records expected
  local total
  if grep -q -E 'Exception|ERROR' "$3"; then
    grep -m5 -E 'Exception|ERROR' "$3" >&2
    die "$1 ProducerPerformance ($2) reported errors: $3"
  fi
  total="$(grep -E '^[0-9]+ records sent' "$3" | tail -1 | cut -d' ' -f1)"
  [ "$total" = "$4" ] || die "$1 ProducerPerformance ($2): ${total:-no} records of $4 acknowledged"
}

# A warm-up run of $calibration records (its first half not counted) gives a rate from which the
# measured run's record count is chosen to last about $produce_seconds; the measured run treats its
# first tenth as warm-up and reports the rest ("steady state"). A measured run that still lasted
# less than 20 s (a warm-up run is slower than a warm system) is repeated once with the count
# scaled by its own rate; every run stays in the topic, and the consumer reads them all.
produce() { # system, case name, topic, record size, acks, calibration records, maximum records
  local system="$1" name="$2" topic="$3" size="$4" acks="$5" calibration="$6" maximum="$7"
  local log="$results/$system-produce-$name.log" rate records attempt produced="$calibration"
  local common=(--bootstrap-server "127.0.0.1:$port" --topic "$topic" --record-size "$size"
    --throughput -1 --command-property "acks=$acks")
  sync # start without dirty pages left by the previous run
  kafka_tool "$system-produce-$name-calibration" org.apache.kafka.tools.ProducerPerformance \
    "${common[@]}" --num-records "$calibration" --warmup-records $((calibration / 2))
  check_produced "$system" "$name calibration" "$results/$system-produce-$name-calibration.log" "$calibration"
  rate="$(grep 'steady state records sent' "$results/$system-produce-$name-calibration.log" | tail -1 | cut -d' ' -f6)"
  for attempt in 1 2; do
    records="$(awk -v r="$rate" -v s="$produce_seconds" -v lo="$calibration" -v hi="$maximum" \
      'BEGIN {n = int(r * s / 1000) * 1000; if (n < lo) n = lo; if (n > hi) n = hi; print n}')"
    [ "$attempt" = 1 ] || mv "$log" "$results/$system-produce-$name-too-short.log"
    sync
    measure_server_cpu "$system.produce_$name" "$system-produce-$name" \
      org.apache.kafka.tools.ProducerPerformance \
      "${common[@]}" --num-records "$records" --warmup-records $((records / 10))
    check_produced "$system" "$name" "$log" "$records"
    produced=$((produced + records))
    read_produce_figures "$system" "$name" "$log" "$records"
    awk -v s="${fig[$system.produce_$name.seconds]}" 'BEGIN {exit !(s < 20)}' || break
    [ "$records" -lt "$maximum" ] || break
    echo "$system produce $name: measured only ${fig[$system.produce_$name.seconds]} s; again with more records"
    rate="${fig[$system.produce_$name.rps]}"
  done
  fig[$system.topic_$topic.records]="$produced"
  echo "$system produce $name: run of $records records (server CPU ${fig[$system.produce_$name.cpu_s]} s), $(grep 'steady state records sent' "$log" | tail -1)"
  echo "$system produce $name: dirty page cache at the end: $(awk '/^Dirty:/ {d = $2} /^Writeback:/ {w = $2} END {printf "%.0f MB dirty, %.0f MB under writeback", d / 1024, w / 1024}' /proc/meminfo)"
  if awk -v s="${fig[$system.produce_$name.seconds]}" 'BEGIN {exit !(s < 20)}'; then
    echo "WARNING: $system produce $name measured only ${fig[$system.produce_$name.seconds]} s (< 20 s)" | tee -a "$summary"
  fi
}

read_produce_figures() { # system, case name, log, records
  local system="$1" name="$2" line rps mbs avg p99 steady
  line="$(grep 'steady state records sent' "$3" | tail -1)"
  [ -n "$line" ] || die "$system ProducerPerformance ($name): no steady-state line in $3"
  read -r rps mbs avg p99 steady < <(
    echo "$line" | sed -E 's/^([0-9]+) steady state records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency.*, ([0-9]+) ms 99th.*/\2 \3 \4 \5 \1/'
  )
  fig[$system.produce_$name.rps]="$(printf '%.0f' "$rps")"
  fig[$system.produce_$name.mbs]="$(printf '%.1f' "$mbs")"
  fig[$system.produce_$name.avg]="$avg"
  fig[$system.produce_$name.p99]="$p99"
  fig[$system.produce_$name.records]="$4"
  fig[$system.produce_$name.cpu_us]="$(awk -v c="${fig[$system.produce_$name.cpu_s]}" -v n="$4" 'BEGIN {printf "%.2f", c * 1e6 / n}')"
  fig[$system.produce_$name.seconds]="$(awk -v n="$steady" -v r="$rps" 'BEGIN {printf "%.1f", n / r}')"
}

# ConsumerPerformance's line: start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms,
# fetch MB/s, fetch records/s.
consume() { # system, case name, topic: reads every record produced to the topic
  local system="$1" name="$2" topic="$3" records="${fig[$1.topic_$3.records]}"
  local log="$results/$1-consume-$2.log" line
  measure_server_cpu "$system.consume_$name" "$system-consume-$name" \
    org.apache.kafka.tools.ConsumerPerformance \
    --bootstrap-server "127.0.0.1:$port" --topic "$topic" --num-records "$records" --timeout 30000
  if grep -q -E 'WARNING|Exception|ERROR' "$log"; then
    grep -m5 -E 'WARNING|Exception|ERROR' "$log" >&2
    die "$system ConsumerPerformance ($name) reported errors: $log"
  fi
  line="$(tail -1 "$log")"
  IFS=', ' read -r -a f <<<"$(echo "$line" | sed -E 's/^[^,]+, [^,]+, //')"
  [ "${f[2]}" = "$records" ] || die "$system ConsumerPerformance ($name): consumed ${f[2]} of $records records"
  fig[$system.consume_$name.rps]="$(printf '%.0f' "${f[3]}")"
  fig[$system.consume_$name.mbs]="$(printf '%.1f' "${f[1]}")"
  fig[$system.consume_$name.rebalance_ms]="${f[4]}"
  fig[$system.consume_$name.fetch_rps]="$(printf '%.0f' "${f[7]}")"
  fig[$system.consume_$name.fetch_mbs]="$(printf '%.1f' "${f[6]}")"
  fig[$system.consume_$name.cpu_us]="$(awk -v c="${fig[$system.consume_$name.cpu_s]}" -v n="$records" 'BEGIN {printf "%.2f", c * 1e6 / n}')"
  echo "$system consume $name: ${f[2]} records, ${f[3]} records/s overall, ${f[7]} records/s fetching, group join ${f[4]} ms"
}

end_to_end() { # system
  local system="$1" log="$results/$1-end-to-end.log" line
  kafka_tool "$system-end-to-end" org.apache.kafka.tools.EndToEndLatency \
    --bootstrap-server "127.0.0.1:$port" --topic e2e --num-records "$e2e_records" \
    --producer-acks all --record-size 100
  line="$(grep '^Percentiles' "$log")" || die "$system EndToEndLatency printed no percentiles"
  read -r p50 p99 p999 < <(echo "$line" | sed -E 's/.*50th = ([0-9]+), 99th = ([0-9]+), 99.9th = ([0-9]+).*/\1 \2 \3/')
  fig[$system.e2e.avg]="$(sed -n -E 's/^Avg latency: ([0-9.]+) ms/\1/p' "$log" | xargs printf '%.3f')"
  fig[$system.e2e.p50]="$p50"
  fig[$system.e2e.p99]="$p99"
  fig[$system.e2e.p999]="$p999"
  echo "$system EndToEndLatency: avg ${fig[$system.e2e.avg]} ms, $line"
}

open_loop() { # system
  local system="$1" log="$results/$1-open-loop.log" rate line
  run_tool "$system-open-loop" "$java" "${tool_jvm[@]}" -cp "$bench_jar" \
    io.millrace.bench.kafka.OpenLoopEndToEndLatency --bootstrap-server "127.0.0.1:$port" \
    --topic latency --rates "$latency_rates" --acks all --record-bytes 100 \
    --warmup-seconds 5 --seconds "$latency_seconds"
  for rate in ${latency_rates//,/ }; do
    line="$(grep "^RESULT rate=$rate/s " "$log")" || die "$system open-loop latency: no result at $rate/s"
    for p in p50 p99 p99.9; do
      fig[$system.open_$rate.$p]="$(echo "$line" | sed -E "s/.* \| $p=([0-9.]+) .*/\1/")"
    done
    echo "$system open loop $rate/s: ${line#RESULT }"
  done
}

create_topic() { # name, extra TopicCommand arguments...
  local topic="$1"
  shift
  kafka_tool "$system-create-$topic" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$port" --create --topic "$topic" --partitions 1 \
    --replication-factor 1 "$@"
}

bench_system() { # kafka | millrace
  local system="$1"
  echo
  echo "=== $system (load average $(cut -d' ' -f1-3 /proc/loadavg)) ===" | tee -a "$summary"
  fig[$system.load_start]="$(cut -d' ' -f1 /proc/loadavg)"
  "start_$system"
  wait_until_ready "$system"
  case "$system" in
    millrace) fig[$system.log_ready_ms]="$(sed -n -E 's/.*Millrace ready in ([0-9]+) ms.*/\1/p' "$results/millrace-server.log" | head -1)" ;;
    kafka)
      local started
      started="$(sed -n -E 's/^\[([0-9-]+ [0-9:]+),([0-9]+)\] .*Kafka Server started.*/\1.\2/p' "$results/server.log" | head -1)"
      if [ -n "$started" ]; then
        fig[$system.log_ready_ms]=$(($(date -d "$started" +%s%3N) - 10#${launch_start/./} / 1000))
      fi
      ;;
  esac
  read -r -t 10 -u "$sleep_fd" || true
  fig[$system.idle_rss_mb]="$(rss_mb)"
  echo "$system: idle RSS ${fig[$system.idle_rss_mb]} MB after 10 s idle"

  create_topic p100
  create_topic p1k
  create_topic e2e
  create_topic latency
  create_topic p1k1
  produce "$system" 100b p100 100 1 3000000 60000000
  consume "$system" 100b p100
  produce "$system" 1kib_acks1 p1k1 1024 1 500000 8000000
  consume "$system" 1kib p1k1
  produce "$system" 1kib p1k 1024 all 150000 8000000
  if [ "$system" = millrace ]; then
    # Kafka with one replica acknowledges acks=all from the page cache (it never fsyncs on its
    # own); Millrace's default waits for an fsync. The same case without the fsync, for comparison.
    # Kafka's TopicCommand refuses setting names Kafka does not know, so Millrace's CLI creates it.
    local create_os=("$root/millrace" topic create p1k-os
      --bootstrap "127.0.0.1:$port" --partitions 1 --config flush.policy=os)
    run_tool millrace-create-p1k-os "${create_os[@]}"
    produce "$system" 1kib_os p1k-os 1024 all 500000 8000000
  fi
  # The latency runs start without a backlog of dirty pages from the runs above: writing them back
  # would stall fsyncs (Millrace's acks=all) for hundreds of milliseconds.
  show sync
  sync
  end_to_end "$system"
  open_loop "$system"
  fig[$system.loaded_rss_mb]="$(rss_mb)"
  fig[$system.load_end]="$(cut -d' ' -f1 /proc/loadavg)"
  stop_server
  local server_log="$results/server.log"
  [ "$system" = kafka ] || server_log="$results/millrace-server.log"
  fig[$system.log_problems]="$(grep -c -E '(^|[] ])(WARN|ERROR)[ ]' "$server_log" || true)"
  echo "$system: $((fig[$system.log_problems])) WARN/ERROR lines in $server_log" | tee -a "$summary"
  echo "$system: stopped $(cat "$results/last-stop-ms") ms after SIGTERM; RSS before stopping ${fig[$system.loaded_rss_mb]} MB"
  du -sh "$data" | sed "s|^|$system data written: |"
  rm -rf "${data:?}"/*
  sync
}

wait_for_quiet() { # waits (up to 5 minutes) for the 1-minute load average to fall below 1.0
  local i
  for ((i = 0; i < 30; i++)); do
    awk '{exit !($1 < 1.0)}' /proc/loadavg && return 0
    echo "load average $(cut -d' ' -f1 /proc/loadavg) >= 1.0, waiting 10 s ..."
    read -r -t 10 -u "$sleep_fd" || true
  done
  echo "WARNING: load average still $(cut -d' ' -f1-3 /proc/loadavg); the figures are disturbed" | tee -a "$summary"
}

wait_for_quiet
bench_system kafka
wait_for_quiet
first_start_millrace
bench_system millrace

# --- summary ----------------------------------------------------------------------------------------
ratio() { awk -v m="$1" -v k="$2" 'BEGIN {if (k > 0) printf "%.2f", m / k; else print "n/a"}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "PASS" : "FAIL"}'; }

row() { # label, millrace value, kafka value, unit, target op, target value, target kind
  local label="$1" m="$2" k="$3" unit="$4" op="${5:-}" target="${6:-}" kind="${7:-ratio}" r status=""
  r="$(ratio "$m" "$k")"
  if [ -n "$op" ]; then
    if [ "$kind" = ratio ]; then
      status="$(verdict "$r" "$op" "$target") (target ratio $op $target)"
    else
      status="$(verdict "$m" "$op" "$target") (target $op $target $unit)"
    fi
  fi
  printf '| %-44s | %14s | %14s | %6s | %s\n' "$label" "$m $unit" "$k $unit" "$r" "$status"
}

{
  echo
  echo "=== summary: Millrace / Kafka (one partition per topic; MB = MiB of record values, as Kafka's tools print) ==="
  printf '| %-44s | %14s | %14s | %6s | %s\n' "measure" "Millrace" "Kafka" "ratio" "target"
  row "produce 100 B acks=1, records/s" "${fig[millrace.produce_100b.rps]}" "${fig[kafka.produce_100b.rps]}" "" ">=" 1.5
  row "produce 100 B acks=1, MB/s" "${fig[millrace.produce_100b.mbs]}" "${fig[kafka.produce_100b.mbs]}" ""
  row "produce 100 B acks=1, avg latency" "${fig[millrace.produce_100b.avg]}" "${fig[kafka.produce_100b.avg]}" "ms"
  row "produce 100 B acks=1, p99 latency" "${fig[millrace.produce_100b.p99]}" "${fig[kafka.produce_100b.p99]}" "ms"
  row "produce 1 KiB acks=1, records/s" "${fig[millrace.produce_1kib_acks1.rps]}" "${fig[kafka.produce_1kib_acks1.rps]}" "" ">=" 1.5
  row "produce 1 KiB acks=1, MB/s" "${fig[millrace.produce_1kib_acks1.mbs]}" "${fig[kafka.produce_1kib_acks1.mbs]}" ""
  row "produce 1 KiB acks=1, p99 latency" "${fig[millrace.produce_1kib_acks1.p99]}" "${fig[kafka.produce_1kib_acks1.p99]}" "ms"
  row "produce 1 KiB acks=all, records/s" "${fig[millrace.produce_1kib.rps]}" "${fig[kafka.produce_1kib.rps]}" "" ">=" 1.5
  row "produce 1 KiB acks=all, MB/s" "${fig[millrace.produce_1kib.mbs]}" "${fig[kafka.produce_1kib.mbs]}" ""
  row "produce 1 KiB acks=all, avg latency" "${fig[millrace.produce_1kib.avg]}" "${fig[kafka.produce_1kib.avg]}" "ms"
  row "produce 1 KiB acks=all, p99 latency" "${fig[millrace.produce_1kib.p99]}" "${fig[kafka.produce_1kib.p99]}" "ms"
  row "  same, Millrace flush.policy=os, records/s" "${fig[millrace.produce_1kib_os.rps]}" "${fig[kafka.produce_1kib.rps]}" ""
  row "  same, Millrace flush.policy=os, p99 latency" "${fig[millrace.produce_1kib_os.p99]}" "${fig[kafka.produce_1kib.p99]}" "ms"
  row "consume 100 B, records/s (fetching)" "${fig[millrace.consume_100b.fetch_rps]}" "${fig[kafka.consume_100b.fetch_rps]}" "" ">=" 1.0
  row "consume 100 B, records/s (with group join)" "${fig[millrace.consume_100b.rps]}" "${fig[kafka.consume_100b.rps]}" ""
  row "consume 100 B, MB/s (fetching)" "${fig[millrace.consume_100b.fetch_mbs]}" "${fig[kafka.consume_100b.fetch_mbs]}" ""
  row "consume 1 KiB, records/s (fetching)" "${fig[millrace.consume_1kib.fetch_rps]}" "${fig[kafka.consume_1kib.fetch_rps]}" "" ">=" 1.0
  row "consume 1 KiB, records/s (with group join)" "${fig[millrace.consume_1kib.rps]}" "${fig[kafka.consume_1kib.rps]}" ""
  row "consume 1 KiB, MB/s (fetching)" "${fig[millrace.consume_1kib.fetch_mbs]}" "${fig[kafka.consume_1kib.fetch_mbs]}" ""
  row "consumer group join (100 B run)" "${fig[millrace.consume_100b.rebalance_ms]}" "${fig[kafka.consume_100b.rebalance_ms]}" "ms"
  for c in produce_100b:"produce 100 B acks=1" produce_1kib_acks1:"produce 1 KiB acks=1" \
    produce_1kib:"produce 1 KiB acks=all" consume_100b:"consume 100 B" consume_1kib:"consume 1 KiB"; do
    row "server CPU per record, ${c#*:}" "${fig[millrace.${c%%:*}.cpu_us]}" "${fig[kafka.${c%%:*}.cpu_us]}" "us"
    row "server CPU, cores busy, ${c#*:}" "${fig[millrace.${c%%:*}.cpu_cores]}" "${fig[kafka.${c%%:*}.cpu_cores]}" ""
  done
  row "EndToEndLatency acks=all, avg (closed loop)" "${fig[millrace.e2e.avg]}" "${fig[kafka.e2e.avg]}" "ms"
  row "EndToEndLatency p50 (whole ms)" "${fig[millrace.e2e.p50]}" "${fig[kafka.e2e.p50]}" "ms"
  row "EndToEndLatency p99 (whole ms)" "${fig[millrace.e2e.p99]}" "${fig[kafka.e2e.p99]}" "ms" "<=" 1.0
  row "EndToEndLatency p99.9 (whole ms)" "${fig[millrace.e2e.p999]}" "${fig[kafka.e2e.p999]}" "ms"
  for rate in ${latency_rates//,/ }; do
    row "open loop $rate/s acks=all, p50" "${fig[millrace.open_$rate.p50]}" "${fig[kafka.open_$rate.p50]}" "ms"
    row "open loop $rate/s acks=all, p99" "${fig[millrace.open_$rate.p99]}" "${fig[kafka.open_$rate.p99]}" "ms" "<=" 1.0
    row "open loop $rate/s acks=all, p99.9" "${fig[millrace.open_$rate.p99.9]}" "${fig[kafka.open_$rate.p99.9]}" "ms"
  done
  row "accepts TCP connections after launch" "${fig[millrace.tcp_ms]}" "${fig[kafka.tcp_ms]}" "ms" "<=" 500 absolute
  row "answers ApiVersions after launch" "${fig[millrace.api_ms]}" "${fig[kafka.api_ms]}" "ms" "<=" 500 absolute
  row "  Millrace's first start after a build" "${fig[millrace_first.tcp_ms]}" "" "ms"
  row "ready per its own log line" "${fig[millrace.log_ready_ms]:-?}" "${fig[kafka.log_ready_ms]:-?}" "ms"
  row "idle RSS, 10 s after ready" "${fig[millrace.idle_rss_mb]}" "${fig[kafka.idle_rss_mb]}" "MB" "<=" 200 absolute
  row "RSS after the run" "${fig[millrace.loaded_rss_mb]}" "${fig[kafka.loaded_rss_mb]}" "MB"
  echo
  echo "load average (1 min): Kafka run ${fig[kafka.load_start]} -> ${fig[kafka.load_end]}, Millrace run ${fig[millrace.load_start]} -> ${fig[millrace.load_end]}"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "results: $results"
} | tee -a "$summary"
