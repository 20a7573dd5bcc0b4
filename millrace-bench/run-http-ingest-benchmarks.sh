#!/usr/bin/env bash
# HTTP push ingestion against Kafka-protocol produce into the same Millrace server, in one run:
# NDJSON throughput over 1 and 8 connections, Kafka produce throughput, single-event POST latency
# and Kafka single-record latency at a fixed open-loop rate (io.millrace.bench.http.HttpIngestBenchmark
# explains each). About 2 minutes; run it on an otherwise idle machine.
#
#   millrace-bench/run-http-ingest-benchmarks.sh
#
# Environment: JAVA_HOME (the JDK), BUILD=0 (reuse the jars), MILLRACE_BENCH_DIR (where the data
# goes; default millrace-bench/target/bench-data), KAFKA_PORT / HTTP_PORT (19196 / 19197), and
# SECONDS_PER_CASE (15), RATE (2000), EVENTS_PER_REQUEST (10000), WARMUP_SECONDS (3) and CASES
# (ndjson,kafka,post-latency,kafka-latency: which cases run, in this order) passed to the tool.
# Results (the server's log, the tool's output, summary.txt) go to
# millrace-bench/target/ingest-results/DATE/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
kafka_port="${KAFKA_PORT:-19196}"
http_port="${HTTP_PORT:-19197}"
results="$here/target/ingest-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
data_base="${MILLRACE_BENCH_DIR:-$here/target/bench-data}"
mkdir -p "$data_base"
data="$(mktemp -d "$data_base/ingest-XXXXXX")"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

for port in "$kafka_port" "$http_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "FAILED: port $port on 127.0.0.1 is already in use" >&2
    exit 1
  fi
done

if [ "${BUILD:-1}" = 1 ]; then
  echo "building millrace-server and millrace-bench ..."
  (cd "$root" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true \
    -pl millrace-server,millrace-bench -am package)
fi

{
  echo "HTTP push vs Kafka produce into Millrace, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "data dir: $data on $(df -T "$data" | awk 'NR==2 {print $2}')"
} | tee "$results/summary.txt"

"$root/millrace" server --data-dir "$data/millrace" --kafka-port "$kafka_port" \
  --http-port "$http_port" >"$results/millrace-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
  grep -q "Millrace ready" "$results/millrace-server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "FAILED: the server exited" >&2; exit 1; }
  sleep 0.1
done
grep -q "Millrace ready" "$results/millrace-server.log" || { echo "FAILED: not ready" >&2; exit 1; }
"$root/millrace" topic create ingest --bootstrap "127.0.0.1:$kafka_port" --partitions 1 >/dev/null

"$java" -Xmx1g -cp "$here/target/millrace-bench.jar" io.millrace.bench.http.HttpIngestBenchmark \
  --http "127.0.0.1:$http_port" --bootstrap "127.0.0.1:$kafka_port" --server-pid "$server_pid" \
  --topic ingest --seconds "${SECONDS_PER_CASE:-15}" --rate "${RATE:-2000}" \
  --events-per-request "${EVENTS_PER_REQUEST:-10000}" --clock-ticks "$(getconf CLK_TCK)" \
  --cases "${CASES:-ndjson,kafka,post-latency,kafka-latency}" \
  --warmup-seconds "${WARMUP_SECONDS:-3}" \
  2>&1 | tee "$results/tool.log" | grep -E '^(RESULT|HTTP push)' | tee -a "$results/summary.txt"
status=${PIPESTATUS[0]}
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); results: $results" | tee -a "$results/summary.txt"
exit "$status"
