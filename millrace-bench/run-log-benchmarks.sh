#!/usr/bin/env bash
# Runs the storage benchmarks of millrace-log and prints a summary (docs/benchmarks.md explains
# each one). About 10 minutes on 2 cores; run it on an otherwise idle machine.
#
#   millrace-bench/run-log-benchmarks.sh            full run
#   QUICK=1 millrace-bench/run-log-benchmarks.sh    smoke run (~3 minutes, figures not usable)
#
# Environment:
#   JAVA_HOME            the JDK to use (default: java on the PATH)
#   MILLRACE_BENCH_DIR   where benchmark data goes (default: millrace-bench/target/bench-data);
#                        must be on the disk you mean to measure, not a tmpfs. Emptied afterwards.
#   BUILD=0              use the existing millrace-bench/target/millrace-bench.jar
#
# Results (JMH JSON, full logs, summary.txt) go to millrace-bench/target/bench-results/DATE/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar="$here/target/millrace-bench.jar"
quick="${QUICK:-0}"

if [ "${BUILD:-1}" = 1 ] || [ ! -f "$jar" ]; then
  echo "building millrace-bench ..."
  (cd "$root" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl millrace-bench -am package)
fi

data_base="${MILLRACE_BENCH_DIR:-$here/target/bench-data}"
mkdir -p "$data_base"
data="$(mktemp -d "$data_base/run-XXXXXX")"
results="$here/target/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
trap 'rm -rf "$data"' EXIT
summary="$results/summary.txt"

# JMH iteration settings: burst (short iterations, fresh files each) and sustained (long).
if [ "$quick" = 1 ]; then
  burst=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
  sustained=(-f 1 -wi 1 -w 3s -i 1 -r 3s)
  latency=(--warmup-seconds 2 --seconds 5 --rates 2000,10000 --fsync-samples 300)
else
  burst=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
  sustained=(-f 1 -wi 1 -w 10s -i 3 -r 5s)
  latency=(--warmup-seconds 5 --seconds 20 --rates 2000,10000,50000 --fsync-samples 2000)
fi
export MILLRACE_BENCH_DIR="$data" # read by the benchmarks, also in JMH's forked JVMs

{
  echo "Millrace log benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "data dir: $data on $(df -T "$data" | awk 'NR==2 {print $2 " (" $1 ")"}')"
  echo "java: $("$java" -version 2>&1 | head -2 | tail -1)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$quick" = 1 ]; then echo "QUICK=1: smoke run, the figures are not usable"; fi
} | tee "$summary"

run_jmh() { # name, JMH arguments...
  local name="$1"
  shift
  echo
  echo "--- $name: $*"
  "$java" -cp "$jar" io.millrace.bench.log.LogBenchmarks "$@" \
    -rf json -rff "$results/$name.json" >"$results/$name.log" 2>&1 || {
    echo "FAILED: see $results/$name.log" | tee -a "$summary"
    tail -30 "$results/$name.log"
    exit 1
  }
  sed -n '/=== Millrace log benchmarks: summary ===/,$p' "$results/$name.log" | tail -n +2 |
    sed "s/^/[$name] /" | tee -a "$summary"
}

# 1. Append (burst) with the raw FileChannel baseline, reads, validation; allocation via -prof gc.
run_jmh burst \
  'io.millrace.bench.log.(LogAppendBenchmark|RawFileAppendBenchmark|LogReadBenchmark|BatchValidatorBenchmark)' \
  "${burst[@]}" -prof gc

# 2. Sustained append: os against raw writes once the kernel throttles writers to the disk.
run_jmh sustained \
  'io.millrace.bench.log.(LogAppendBenchmark|RawFileAppendBenchmark)' \
  -p regime=sustained -p recordBytes=100 -p flushPolicy=os -p sync=none \
  "${sustained[@]}" -prof gc

# 3. Group-commit acknowledgement latency, open loop, flush.interval.ms 1 (default) and 0.
for interval in 1 0; do
  echo
  echo "--- latency: group-commit, flush.interval.ms=$interval"
  "$java" -cp "$jar" io.millrace.bench.log.GroupCommitLatency \
    --policy group-commit --flush-interval-ms "$interval" "${latency[@]}" \
    >"$results/latency-$interval.log" 2>&1 || {
    echo "FAILED: see $results/latency-$interval.log" | tee -a "$summary"
    exit 1
  }
  grep -E '^(RESULT|batches|  )' "$results/latency-$interval.log" | sed "s/^/[latency] /" | tee -a "$summary"
done

{
  echo
  echo "target: group-commit p99 <= 2 ms at each rate (see the p99 column above)"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "results: $results"
} | tee -a "$summary"
