#!/usr/bin/env bash
# View benchmarks: index upserts per second (JMH, in process) and HTTP point lookups against a
# running server from a second process at a fixed open-loop rate
# (io.millrace.bench.view.ViewLookupLoad explains how latency is measured).
#
#   millrace-bench/run-view-benchmarks.sh
#
# Environment: JAVA_HOME (the JDK), BUILD=0 (reuse the jars), MILLRACE_BENCH_DIR (where the data
# goes; default millrace-bench/target/bench-data), KAFKA_PORT / HTTP_PORT (19296 / 19297), KEYS
# (100000 rows in the view), RATE (50000 lookups/s), CONNECTIONS (32), MEASURE_SECONDS (10),
# WARMUP_SECONDS (5), JMH=0 (skip the in-process part), JMH_ARGS (default: short iterations,
# -wi 2 -w 1s -i 3 -r 2s). Results (the server's log, the
# tools' output, summary.txt) go to millrace-bench/target/view-results/DATE/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
kafka_port="${KAFKA_PORT:-19296}"
http_port="${HTTP_PORT:-19297}"
keys="${KEYS:-100000}"
results="$here/target/view-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
data_base="${MILLRACE_BENCH_DIR:-$here/target/bench-data}"
mkdir -p "$data_base"
data="$(mktemp -d "$data_base/views-XXXXXX")"
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
  echo "Views, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$results/summary.txt"

# 1. Index upserts per second (in process): per CPU-second, then JMH wall-clock.
if [ "${JMH:-1}" = 1 ]; then
  "$java" -Xmx1g -cp "$here/target/millrace-bench.jar" io.millrace.bench.view.ViewIndexCpuTime \
    2>&1 | tee "$results/cpu-time.txt" | grep -E '^RESULT' | tee -a "$results/summary.txt"
  # shellcheck disable=SC2086
  "$java" -jar "$here/target/millrace-bench.jar" ViewIndexBenchmark -prof gc \
    ${JMH_ARGS:--wi 2 -w 1s -i 3 -r 2s} 2>&1 | tee "$results/jmh.txt" \
    | grep -E '^ViewIndexBenchmark' | tee -a "$results/summary.txt" || true
fi

# 2. A server with a view of KEYS rows, filled through POST /topics/__view.bench/records.
"$root/millrace" server --data-dir "$data/millrace" --kafka-port "$kafka_port" \
  --http-port "$http_port" >"$results/millrace-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
  grep -q "Millrace ready" "$results/millrace-server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "FAILED: the server exited" >&2; exit 1; }
  sleep 0.1
done
grep -q "Millrace ready" "$results/millrace-server.log" || { echo "FAILED: not ready" >&2; exit 1; }
base="http://127.0.0.1:$http_port"
curl -sf "$base/topics" -H 'Content-Type: application/json' \
  -d '{"name":"__view.bench","configs":{"cleanup.policy":"compact"}}' >/dev/null
for start in $(seq 0 10000 $((keys - 1))); do
  end=$((start + 10000 < keys ? start + 10000 : keys))
  awk -v s="$start" -v e="$end" 'BEGIN { for (i = s; i < e; i++)
      printf "{\"id\":\"user-%07d\",\"name\":\"Name %d\",\"visits\":%d,\"country\":\"FR\",\"plan\":\"pro\"}\n", i, i, i % 1000 }' \
    | curl -sf "$base/topics/__view.bench/records?key_pointer=/id" \
        -H 'Content-Type: application/x-ndjson' --data-binary @- >/dev/null
done
last_key=$(printf 'user-%07d' $((keys - 1)))
for _ in $(seq 300); do
  curl -sf "$base/views/bench/$last_key" >/dev/null && break
  sleep 0.1
done
curl -sf "$base/views" | tee -a "$results/summary.txt"; echo | tee -a "$results/summary.txt"

# 3. Open-loop point lookups from this second process.
"$java" -Xmx512m -cp "$here/target/millrace-bench.jar" io.millrace.bench.view.ViewLookupLoad \
  --http "127.0.0.1:$http_port" --view bench --keys "$keys" --rate "${RATE:-50000}" \
  --connections "${CONNECTIONS:-32}" --warmup-seconds "${WARMUP_SECONDS:-5}" --seconds "${MEASURE_SECONDS:-10}" \
  --server-pid "$server_pid" --clock-ticks "$(getconf CLK_TCK)" \
  2>&1 | tee "$results/lookup.log" | grep -E '^RESULT' | tee -a "$results/summary.txt"
status=${PIPESTATUS[0]}
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); results: $results" | tee -a "$results/summary.txt"
exit "$status"
