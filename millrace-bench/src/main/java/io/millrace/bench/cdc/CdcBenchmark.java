package io.millrace.bench.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.bench.BenchOptions;
import io.millrace.connect.SourcePositionStore;
import io.millrace.connect.cdc.CdcSource;
import io.millrace.connect.cdc.CdcSourceConfig;
import io.millrace.connect.cdc.SnapshotMode;
import io.millrace.connect.testing.PostgresServer;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.HdrHistogram.Histogram;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Change data capture from PostgreSQL into Millrace topics, against Debezium's bare embedded engine
 * handing the same changes to a no-op consumer (the ceiling for this connector), in one run:
 *
 * <ol>
 *   <li>PostgreSQL (Debian's server, {@code wal_level=logical}) is started and {@code pgbench -i}
 *       creates its tables. Both consumers create their replication slot (snapshot mode {@code
 *       never}) and stop.
 *   <li><b>Throughput</b>: {@code pgbench -N} (the "simple update" script: per transaction one
 *       UPDATE of {@code pgbench_accounts}, one SELECT and one INSERT into {@code pgbench_history},
 *       so 2 change events) runs {@code transactions} transactions, leaving the same WAL backlog in
 *       both slots. Each consumer then drains it: change events per second from its first event to
 *       its last. The Millrace source counts an event once its batch is durable in the topics and
 *       commits its position after every batch; the bare engine counts events as it receives them
 *       and commits offsets on Debezium's default schedule.
 *   <li><b>Latency</b>: {@code pgbench -N -R rate} for {@code seconds}, open loop (pgbench
 *       schedules transactions on its own clock), while one consumer streams: commit-to-topic
 *       latency is the record's append time in the log minus the transaction's commit time ({@code
 *       source.ts_ms}); for the bare engine, the time the consumer receives the event minus the
 *       same commit time. Millisecond resolution (commit times are milliseconds). Debezium's {@code
 *       poll.interval.ms} (default 500), the longest its task waits for a batch, is set for both
 *       consumers by {@code poll-interval-ms}.
 * </ol>
 *
 * <pre>
 * java -cp millrace-bench.jar io.millrace.bench.cdc.CdcBenchmark [--transactions 20000] \
 *     [--clients 4] [--rate 500] [--seconds 20] [--scale 1] [--poll-interval-ms 50] [--rounds 4] \
 *     [--flush-policy group-commit] \
 *     [--data target/cdc-bench]
 * </pre>
 *
 * Lines starting with {@code RESULT} are for the run script's summary. Threads: each consumer's
 * engine threads; the main thread starts pgbench and samples counters every 5 ms.
 */
public final class CdcBenchmark {

  private static final String SLOT_MILLRACE = "bench_millrace";
  private static final String SLOT_BARE = "bench_bare";

  private final Map<String, String> options;
  private final PostgresServer postgres;
  private final Path pgBin;
  private final Path dataDir;

  private CdcBenchmark(Map<String, String> options, PostgresServer postgres, Path pgBin) {
    this.options = options;
    this.postgres = postgres;
    this.pgBin = pgBin;
    this.dataDir = Path.of(options.get("data"));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("transactions", "20000");
    defaults.put("clients", "4");
    defaults.put("rate", "500");
    defaults.put("seconds", "20");
    defaults.put("scale", "1");
    defaults.put("rounds", "4");
    defaults.put("flush-policy", "group-commit");
    defaults.put("poll-interval-ms", "50");
    defaults.put("data", "target/cdc-bench");
    Map<String, String> options = BenchOptions.parse("CdcBenchmark", defaults, args);
    Path bin =
        PostgresServer.find()
            .orElseThrow(() -> new IllegalStateException("install postgresql (Debian's server)"));
    io.millrace.log.segment.Io.deleteRecursively(Path.of(options.get("data")));
    try (PostgresServer postgres = PostgresServer.startLogical(bin)) {
      new CdcBenchmark(options, postgres, bin).run();
    }
    System.exit(0); // Debezium leaves non-daemon threads behind
  }

  private void run() throws Exception {
    pgbench("-i", "-q", "-s", options.get("scale"));
    // both slots first, so both see the same backlog
    MillraceConsumer slotMaker = new MillraceConsumer(dataDir.resolve("log-slot"));
    awaitStreaming("millrace");
    slotMaker.close();
    BareConsumer bareSlotMaker = new BareConsumer();
    awaitStreaming("bare");
    bareSlotMaker.close();
    int transactions = Integer.parseInt(options.get("transactions"));
    int clients = Integer.parseInt(options.get("clients"));
    // Round 1 warms up both (JIT, connections); the others are reported, each with its ratio:
    // on a shared machine the two drains of one round see the most similar conditions.
    int rounds = Integer.parseInt(options.get("rounds"));
    List<Double> ratios = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      long started = System.nanoTime();
      pgbench("-N", "-c", Integer.toString(clients), "-j", "2", "-t", "" + transactions / clients);
      double loadSeconds = (System.nanoTime() - started) / 1e9;
      long expected = 2L * (transactions / clients) * clients;
      System.out.printf(
          "round %d backlog: %d pgbench -N transactions (%d change events) in %.1f s%n",
          round, expected / 2, expected, loadSeconds);
      String prefix = round == 1 ? "warm-up " : "RESULT round " + round + " ";
      double bareRate;
      try (BareConsumer bare = new BareConsumer()) {
        bareRate = drain(prefix, "bare Debezium engine, no-op consumer", bare.count, expected);
        awaitQuiet(bare.count, expected); // its offsets: flushed on close
      }
      double millraceRate;
      try (MillraceConsumer millrace = new MillraceConsumer(dataDir.resolve("log"))) {
        millraceRate =
            drain(
                prefix,
                "Millrace CDC source into topics",
                () -> millrace.source.status().eventsWritten(),
                expected);
      }
      if (round > 1) {
        ratios.add(millraceRate / bareRate);
        System.out.printf(
            "RESULT round %d throughput ratio Millrace/bare = %.2f%n",
            round, millraceRate / bareRate);
      }
    }
    List<Double> sorted = ratios.stream().sorted().toList();
    System.out.printf(
        "RESULT throughput ratio Millrace/bare, median of %d rounds = %.2f (target >= 0.80)%n",
        sorted.size(), sorted.get(sorted.size() / 2));

    latency();
  }

  private double drain(String prefix, String name, LongSupplier count, long expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    long firstNs = 0;
    while (count.getAsLong() < expected) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + ": only " + count.getAsLong() + " of " + expected);
      }
      if (firstNs == 0 && count.getAsLong() > 0) {
        firstNs = System.nanoTime();
      }
      Thread.sleep(5);
    }
    double seconds = (System.nanoTime() - firstNs) / 1e9;
    double rate = expected / seconds;
    System.out.printf(
        "%sthroughput %-40s %,10.0f change events/s (%d events, %.2f s first to last)%n",
        prefix, name, rate, expected, seconds);
    return rate;
  }

  private void latency() throws Exception {
    String rate = options.get("rate");
    String seconds = options.get("seconds");
    try (MillraceConsumer millrace = new MillraceConsumer(dataDir.resolve("log"))) {
      awaitStreaming("millrace");
      long phaseStartMs = System.currentTimeMillis();
      pgbench("-N", "-c", "2", "-j", "2", "-R", rate, "-T", seconds);
      awaitQuiet(() -> millrace.source.status().eventsWritten(), 1);
      report("Millrace CDC source (commit -> append)", millrace.latencies(phaseStartMs));
    }
    try (BareConsumer bare = new BareConsumer()) {
      awaitStreaming("bare");
      bare.latencyFromMs = System.currentTimeMillis();
      pgbench("-N", "-c", "2", "-j", "2", "-R", rate, "-T", seconds);
      awaitQuiet(bare.count, 1);
      report("bare Debezium engine (commit -> consumer)", bare.latencies);
    }
  }

  private static void report(String name, Histogram histogram) {
    System.out.printf(
        "RESULT latency %-42s p50 %4d ms  p99 %4d ms  max %4d ms  (%d events)%n",
        name,
        histogram.getValueAtPercentile(50),
        histogram.getValueAtPercentile(99),
        histogram.getMaxValue(),
        histogram.getTotalCount());
  }

  private static void awaitQuiet(LongSupplier count, long atLeast) throws InterruptedException {
    long last = -1;
    long stableSince = System.nanoTime();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      long now = count.getAsLong();
      if (now != last) {
        last = now;
        stableSince = System.nanoTime();
      } else if (now >= atLeast && System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(2)) {
        return;
      }
      Thread.sleep(20);
    }
  }

  private void awaitStreaming(String server) throws Exception {
    MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    ObjectName pattern =
        new ObjectName(
            "debezium.postgres:type=connector-metrics,context=streaming,server=" + server + ",*");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (System.nanoTime() < deadline) {
      for (ObjectName name : mbeans.queryNames(pattern, null)) {
        if (Boolean.TRUE.equals(mbeans.getAttribute(name, "Connected"))) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(server + " did not start streaming");
  }

  private void pgbench(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(pgBin.resolve("pgbench").toString());
    command.addAll(List.of("-h", "127.0.0.1", "-p", "" + postgres.port(), "-U", "postgres"));
    command.addAll(List.of(args));
    command.add("postgres");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed:\n" + output);
    }
  }

  private CdcSourceConfig config(String name, String slot) {
    CdcSourceConfig base =
        CdcSourceConfig.of(name, "127.0.0.1", postgres.port(), "postgres", "postgres", "", name);
    return new CdcSourceConfig(
        name,
        base.hostname(),
        base.port(),
        base.database(),
        base.username(),
        base.password(),
        name,
        base.topicPattern(),
        1,
        false,
        List.of("public\\.pgbench_accounts", "public\\.pgbench_history"),
        List.of(),
        List.of(),
        List.of(),
        8,
        slot,
        "bench_publication",
        "all_tables",
        SnapshotMode.NEVER,
        10_000,
        0,
        Map.of("poll.interval.ms", options.get("poll-interval-ms")));
  }

  /** A Millrace CDC source writing into a log of its own. */
  private final class MillraceConsumer implements AutoCloseable {
    final Log log;
    final CdcSource source;

    MillraceConsumer(Path directory) throws IOException {
      Files.createDirectories(directory);
      log = Log.open(LogOptions.defaults(directory));
      for (String topic :
          List.of("millrace.public.pgbench_accounts", "millrace.public.pgbench_history")) {
        if (log.describeTopic(topic).isEmpty()) {
          log.createTopic(
              topic,
              1,
              Map.of(io.millrace.log.TopicConfig.FLUSH_POLICY, options.get("flush-policy")));
        }
      }
      TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
      source =
          new CdcSource(
              config("millrace", SLOT_MILLRACE),
              log,
              writer,
              new SourcePositionStore(log, writer, new ObjectMapper()),
              new SimpleMeterRegistry(),
              Clock.systemUTC());
      source.start();
    }

    /** Append time minus commit time of every change committed at or after {@code fromMs}. */
    Histogram latencies(long fromMs) throws IOException {
      Histogram histogram = new Histogram(600_000, 3);
      ObjectMapper mapper = new ObjectMapper();
      for (String topic :
          List.of("millrace.public.pgbench_accounts", "millrace.public.pgbench_history")) {
        for (PartitionLog partition : log.partitions(topic)) {
          long next = partition.logStartOffset();
          while (next < partition.logEndOffset()) {
            LogSlice slice = partition.read(next, 1 << 20);
            for (LogRecord record : RecordBatches.records(slice.read())) {
              if (record.offset() < next || record.value() == null) {
                continue;
              }
              JsonNode value = mapper.readTree(record.value());
              long commitMs = value.path("source").path("ts_ms").asLong();
              if (commitMs >= fromMs) {
                histogram.recordValue(Math.max(0, record.timestamp() - commitMs));
              }
            }
            next = slice.nextOffset();
          }
        }
      }
      return histogram;
    }

    @Override
    public void close() throws IOException {
      source.close();
      log.close();
    }
  }

  /** Debezium's embedded engine alone: every event is counted and dropped. */
  private final class BareConsumer implements AutoCloseable {
    final AtomicLong counter = new AtomicLong();
    final LongSupplier count = counter::get;
    final Histogram latencies = new Histogram(600_000, 3);
    volatile long latencyFromMs = Long.MAX_VALUE;
    final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    final Thread thread;

    BareConsumer() {
      Properties p = new Properties();
      CdcSourceConfig c = config("bare", SLOT_BARE);
      p.setProperty("name", "bare");
      p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
      p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
      p.setProperty("database.hostname", c.hostname());
      p.setProperty("database.port", Integer.toString(c.port()));
      p.setProperty("database.dbname", c.database());
      p.setProperty("database.user", c.username());
      p.setProperty("database.password", "");
      p.setProperty("topic.prefix", "bare");
      p.setProperty("plugin.name", "pgoutput");
      p.setProperty("slot.name", SLOT_BARE);
      p.setProperty("publication.name", "bench_publication");
      p.setProperty("snapshot.mode", "no_data");
      p.setProperty("table.include.list", String.join(",", c.tableIncludeList()));
      p.setProperty("decimal.handling.mode", "string");
      p.setProperty("poll.interval.ms", options.get("poll-interval-ms"));
      engine =
          DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
              .using(p)
              .notifying(
                  (records, committer) -> {
                    long nowMs = System.currentTimeMillis();
                    for (RecordChangeEvent<SourceRecord> event : records) {
                      if (event.record().value() instanceof Struct envelope
                          && event.record().topic().startsWith("bare.public.")) {
                        counter.incrementAndGet();
                        Object ts = envelope.getStruct("source").get("ts_ms");
                        if (ts instanceof Long commitMs && commitMs >= latencyFromMs) {
                          latencies.recordValue(Math.max(0, nowMs - commitMs));
                        }
                      }
                      committer.markProcessed(event);
                    }
                    committer.markBatchFinished();
                  })
              .build();
      thread = Thread.ofPlatform().name("bare-engine").start(engine);
    }

    @Override
    public void close() throws IOException {
      engine.close();
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
