#!/usr/bin/env bash
# Change data capture from PostgreSQL into Millrace topics against Debezium's bare embedded engine
# with a no-op consumer, in one run (io.millrace.bench.cdc.CdcBenchmark explains each figure):
# drain throughput of a pgbench -N backlog (change events/s, and the ratio), then commit-to-topic
# latency p50/p99 under an open-loop pgbench -R load. Starts its own PostgreSQL (Debian's
# postgresql package: initdb, pg_ctl, pgbench under /usr/lib/postgresql/*/bin). About 3 minutes;
# run it on an otherwise idle machine.
#
#   millrace-bench/run-cdc-benchmarks.sh
#
# Environment: JAVA_HOME (the JDK), BUILD=0 (reuse the jar), TRANSACTIONS (30000), CLIENTS (4),
# RATE (500 pgbench transactions/s per client, 2 clients), SECONDS_PER_CASE (15),
# POLL_INTERVAL_MS (50, the CDC source's default; Debezium's is 500), ROUNDS (4: one warm-up),
# FLUSH_POLICY (group-commit, the default; os to see what fsync costs). Results go to millrace-bench/target/cdc-results/DATE/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
results="$here/target/cdc-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"

if [ "${BUILD:-1}" = 1 ]; then
  echo "building millrace-bench ..."
  (cd "$root" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl millrace-bench -am package)
fi

{
  echo "CDC: Millrace source vs bare Debezium engine, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$results/summary.txt"

"$java" -Xmx1g -cp "$here/target/millrace-bench.jar" io.millrace.bench.cdc.CdcBenchmark \
  --transactions "${TRANSACTIONS:-30000}" --clients "${CLIENTS:-4}" --rate "${RATE:-500}" \
  --seconds "${SECONDS_PER_CASE:-15}" --poll-interval-ms "${POLL_INTERVAL_MS:-50}" --rounds "${ROUNDS:-4}" \
  --flush-policy "${FLUSH_POLICY:-group-commit}" \
  --data "$here/target/cdc-bench" \
  2>&1 | tee "$results/tool.log" | grep -E '^(RESULT|round|warm-up)' | tee -a "$results/summary.txt"
status=${PIPESTATUS[0]}
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); results: $results" | tee -a "$results/summary.txt"
exit "$status"
