#!/usr/bin/env bash
# The PostgreSQL sink (append and upsert) against a plain JDBC COPY of the same rows, in one run
# against one PostgreSQL server started here (io.millrace.bench.sink.PostgresSinkBenchmark explains
# each case). About a minute; run it on an otherwise idle machine.
#
#   millrace-bench/run-postgres-sink-benchmarks.sh
#
# Needs Debian's PostgreSQL server (apt-get install postgresql); as root the server runs as the
# postgres user. Environment: JAVA_HOME (the JDK), BUILD=0 (reuse the jar), MILLRACE_BENCH_DIR (where
# the cluster goes; default millrace-bench/target/bench-data), PG_PORT (19198), and ROWS (200000),
# BATCH (1000), ROUNDS (3) passed to the tool. The server runs with PostgreSQL's defaults (fsync
# on). Results (the server's log, the tool's output, summary.txt) go to
# millrace-bench/target/postgres-sink-results/DATE/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
port="${PG_PORT:-19198}"
results="$here/target/postgres-sink-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
data_base="${MILLRACE_BENCH_DIR:-$here/target/bench-data}"
mkdir -p "$data_base"
data="$(mktemp -d "$data_base/postgres-XXXXXX")"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/postgres" ] || { echo "FAILED: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$data"
  as_postgres=(runuser -u postgres --)
fi

cleanup() {
  "${as_postgres[@]}" "$bin/pg_ctl" -D "$data/cluster" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "FAILED: port $port on 127.0.0.1 is already in use" >&2
  exit 1
fi

if [ "${BUILD:-1}" = 1 ]; then
  echo "building millrace-bench ..."
  (cd "$root" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl millrace-bench -am package)
fi

"${as_postgres[@]}" "$bin/initdb" -D "$data/cluster" -U postgres -A trust -E UTF8 >"$results/initdb.log"
"${as_postgres[@]}" "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >/dev/null

{
  echo "PostgreSQL sink vs plain COPY, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $("$bin/postgres" --version), data on $(df -T "$data" | awk 'NR==2 {print $2}')"
} | tee "$results/summary.txt"

set +e
"$java" -Xmx1g -cp "$here/target/millrace-bench.jar" io.millrace.bench.sink.PostgresSinkBenchmark \
  --url "jdbc:postgresql://127.0.0.1:$port/postgres" --rows "${ROWS:-200000}" \
  --batch "${BATCH:-1000}" --rounds "${ROUNDS:-3}" \
  2>&1 | tee "$results/tool.log" | grep -E '^RESULT' | tee -a "$results/summary.txt"
status=${PIPESTATUS[0]}
set -e
cp "$data/server.log" "$results/postgres-server.log" 2>/dev/null || true
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); results: $results" | tee -a "$results/summary.txt"
exit "$status"
