package io.millrace.bench.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.bench.BenchOptions;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.sink.postgres.PostgresSink;
import io.millrace.connect.sink.postgres.PostgresTarget;
import io.millrace.engine.sink.SinkDelivery;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.pipeline.definition.FieldPath;
import io.millrace.pipeline.definition.PostgresOutput;
import io.millrace.pipeline.definition.PostgresOutput.Column;
import io.millrace.pipeline.definition.PostgresOutput.ColumnType;
import io.millrace.pipeline.definition.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The PostgreSQL sink's throughput against a plain JDBC COPY of the same rows, in one run against
 * one server (issue 6 asks for the sink at ≥ 70% of COPY).
 *
 * <ul>
 *   <li><b>COPY baseline</b>: the rows as Java values, written with PgJDBC's CopyManager in the
 *       text format, one transaction per batch — what a hand-written loader does, with no JSON.
 *   <li><b>sink append</b>: the same rows as JSON record values through {@link SinkDelivery} and
 *       {@link PostgresSink} in append mode (parse, convert, COPY), batch by batch.
 *   <li><b>sink upsert</b>: the same through upsert mode (COPY to a staging table, then {@code
 *       INSERT … ON CONFLICT DO UPDATE}) into an empty table (all inserts) and again over the rows
 *       just written (all updates).
 * </ul>
 *
 * Contenders alternate within each round so that load from elsewhere hits them alike, and ratios
 * are taken between contenders of the same round (then the median over rounds); tables are
 * truncated before every measurement. The benchmark process's CPU time per row is printed too (the
 * client side: JSON parsing, conversion, the driver; not the server's). Baselines: append is
 * compared with COPY into a table without a key, upsert with COPY into a table with the same
 * primary key.
 *
 * <pre>
 * java -cp millrace-bench.jar io.millrace.bench.sink.PostgresSinkBenchmark \
 *     --url jdbc:postgresql://127.0.0.1:19198/postgres [--rows 200000] [--batch 1000] [--rounds 3]
 * </pre>
 *
 * Single-threaded (one sink, as one pipeline task); lines starting with {@code RESULT} are for the
 * run script's summary.
 */
public final class PostgresSinkBenchmark {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One row as a loader would hold it. */
  private record Row(long id, String name, double score, boolean active, long atMs) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("url", "jdbc:postgresql://127.0.0.1:19198/postgres");
    defaults.put("user", "postgres");
    defaults.put("rows", "200000");
    defaults.put("batch", "1000");
    defaults.put("rounds", "3");
    Map<String, String> options = BenchOptions.parse("PostgresSinkBenchmark", defaults, args);
    String url = options.get("url");
    String user = options.get("user");
    int rowCount = Integer.parseInt(options.get("rows"));
    int batchSize = Integer.parseInt(options.get("batch"));
    int rounds = Integer.parseInt(options.get("rounds"));

    List<Row> rows = rows(rowCount, new Random(6));
    List<List<SinkRecord>> batches = batches(rows, batchSize);
    try (Connection db = DriverManager.getConnection(url, user, "")) {
      createTables(db);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    try (PostgresTarget append =
            new PostgresTarget(output(url, user, "sink_append", false, batchSize));
        PostgresTarget upsert =
            new PostgresTarget(output(url, user, "sink_upsert", true, batchSize))) {
      SinkDelivery appendSink = delivery(new PostgresSink(append, MAPPER, executor), retries);
      SinkDelivery upsertSink = delivery(new PostgresSink(upsert, MAPPER, executor), retries);
      for (int round = 0; round <= rounds; round++) { // round 0 warms up and is not reported
        boolean report = round > 0;
        measure(
            rates,
            report,
            "copy, table without key",
            rowCount,
            () -> copy(url, user, "copy_plain", rows, batchSize));
        measure(
            rates,
            report,
            "sink append",
            rowCount,
            () -> {
              truncate(url, user, "sink_append");
              deliver(appendSink, batches);
            });
        measure(
            rates,
            report,
            "copy, table with primary key",
            rowCount,
            () -> copy(url, user, "copy_keyed", rows, batchSize));
        measure(
            rates,
            report,
            "sink upsert, new keys",
            rowCount,
            () -> {
              truncate(url, user, "sink_upsert");
              deliver(upsertSink, batches);
            });
        measure(
            rates,
            report,
            "sink upsert, existing keys",
            rowCount,
            () -> deliver(upsertSink, batches));
      }
    } finally {
      retries.shutdownNow();
      executor.close();
    }
    rates.forEach(
        (name, values) ->
            System.out.printf(
                "RESULT %-30s median %,10.0f rows/s, client CPU %.2f us/row   (rounds: %s)%n",
                name, median(values), median(CLIENT_CPU_US_PER_ROW.get(name)), format(values)));
    ratio(rates, "sink append / copy (no key)", "sink append", "copy, table without key");
    ratio(
        rates,
        "sink upsert new keys / copy (primary key)",
        "sink upsert, new keys",
        "copy, table with primary key");
    ratio(
        rates,
        "sink upsert existing keys / copy (primary key)",
        "sink upsert, existing keys",
        "copy, table with primary key");
  }

  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  private static final Map<String, List<Double>> CLIENT_CPU_US_PER_ROW = new LinkedHashMap<>();

  private static void measure(
      Map<String, List<Double>> rates, boolean report, String name, int rowCount, Work work)
      throws Exception {
    long cpuStart = OS.getProcessCpuTime();
    long start = System.nanoTime();
    work.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuUsPerRow = (OS.getProcessCpuTime() - cpuStart) / 1e3 / rowCount;
    double rate = rowCount / seconds;
    System.out.printf(
        "%-30s %,10.0f rows/s   client CPU %.2f us/row%s%n",
        name, rate, cpuUsPerRow, report ? "" : "  (warm-up)");
    if (report) {
      rates.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
      CLIENT_CPU_US_PER_ROW.computeIfAbsent(name, k -> new ArrayList<>()).add(cpuUsPerRow);
    }
  }

  /** The median over rounds of the ratio of two contenders measured in the same round. */
  private static void ratio(
      Map<String, List<Double>> rates, String label, String sink, String copy) {
    List<Double> ratios = new ArrayList<>();
    for (int round = 0; round < rates.get(sink).size(); round++) {
      ratios.add(100 * rates.get(sink).get(round) / rates.get(copy).get(round));
    }
    System.out.printf(
        "RESULT ratio %-47s median %5.1f%%   (rounds: %s)%n",
        label,
        median(ratios),
        String.join(", ", ratios.stream().map(r -> String.format("%.1f%%", r)).toList()));
  }

  private static List<Row> rows(int count, Random random) {
    List<Row> rows = new ArrayList<>(count);
    long baseMs = 1_767_225_600_000L;
    for (int i = 0; i < count; i++) {
      rows.add(
          new Row(
              i,
              "customer-" + Long.toString(random.nextLong() & 0xffffffffL, 36),
              Math.round(random.nextDouble() * 100_000) / 100.0,
              random.nextBoolean(),
              baseMs + random.nextInt(86_400_000)));
    }
    return rows;
  }

  private static List<List<SinkRecord>> batches(List<Row> rows, int batchSize) {
    List<List<SinkRecord>> batches = new ArrayList<>();
    List<SinkRecord> batch = new ArrayList<>(batchSize);
    for (Row row : rows) {
      String json =
          "{\"id\":"
              + row.id()
              + ",\"customer\":{\"name\":\""
              + row.name()
              + "\"},\"score\":"
              + row.score()
              + ",\"active\":"
              + row.active()
              + ",\"at\":"
              + row.atMs()
              + "}";
      batch.add(
          new SinkRecord(
              "orders",
              0,
              row.id(),
              row.atMs(),
              null,
              json.getBytes(StandardCharsets.UTF_8),
              List.of()));
      if (batch.size() == batchSize) {
        batches.add(batch);
        batch = new ArrayList<>(batchSize);
      }
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    return batches;
  }

  private static PostgresOutput output(
      String url, String user, String table, boolean upsert, int batchSize) {
    List<Column> columns =
        List.of(
            new Column("id", FieldPath.parseOrNull("id"), ColumnType.BIGINT, true),
            new Column("name", FieldPath.parseOrNull("customer.name"), ColumnType.TEXT, false),
            new Column("score", FieldPath.parseOrNull("score"), ColumnType.DOUBLE_PRECISION, false),
            new Column("active", FieldPath.parseOrNull("active"), ColumnType.BOOLEAN, false),
            new Column("at", FieldPath.parseOrNull("at"), ColumnType.TIMESTAMPTZ, false));
    return new PostgresOutput(
        table,
        url,
        user,
        null,
        table,
        upsert ? PostgresOutput.Mode.UPSERT : PostgresOutput.Mode.APPEND,
        upsert ? List.of("id") : List.of(),
        columns,
        false,
        batchSize,
        1,
        SourcePosition.startOf("bench"));
  }

  private static SinkDelivery delivery(PostgresSink sink, ScheduledExecutorService retries) {
    return new SinkDelivery(
        sink,
        new RetryPolicy(3, 100, 1_000),
        new Random(1),
        SinkDelivery.RetryScheduler.of(retries));
  }

  private static void createTables(Connection db) throws SQLException {
    String columns =
        "id bigint NOT NULL, name text, score double precision, active boolean, at timestamptz";
    try (Statement ddl = db.createStatement()) {
      for (String table : List.of("copy_plain", "copy_keyed", "sink_append", "sink_upsert")) {
        ddl.execute("DROP TABLE IF EXISTS " + table);
      }
      ddl.execute("CREATE TABLE copy_plain (" + columns + ")");
      ddl.execute("CREATE TABLE sink_append (" + columns + ")");
      ddl.execute("CREATE TABLE copy_keyed (" + columns + ", PRIMARY KEY (id))");
      ddl.execute("CREATE TABLE sink_upsert (" + columns + ", PRIMARY KEY (id))");
    }
  }

  private static void truncate(String url, String user, String table) throws SQLException {
    try (Connection db = DriverManager.getConnection(url, user, "");
        Statement statement = db.createStatement()) {
      statement.execute("TRUNCATE " + table);
    }
  }

  /**
   * The baseline: CopyManager, text format, one transaction per batch, rows built from Java values.
   */
  private static void copy(String url, String user, String table, List<Row> rows, int batchSize)
      throws SQLException {
    truncate(url, user, table);
    try (Connection db = DriverManager.getConnection(url, user, "")) {
      db.setAutoCommit(false);
      var copyApi = db.unwrap(PGConnection.class).getCopyAPI();
      StringBuilder text = new StringBuilder(batchSize * 80);
      for (int from = 0; from < rows.size(); from += batchSize) {
        text.setLength(0);
        for (Row row : rows.subList(from, Math.min(rows.size(), from + batchSize))) {
          text.append(row.id())
              .append('\t')
              .append(row.name())
              .append('\t')
              .append(row.score())
              .append('\t')
              .append(row.active())
              .append('\t')
              .append(Instant.ofEpochMilli(row.atMs()))
              .append('\n');
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        CopyIn copy = copyApi.copyIn("COPY " + table + " (id, name, score, active, at) FROM STDIN");
        copy.writeToCopy(bytes, 0, bytes.length);
        copy.endCopy();
        db.commit();
      }
    }
  }

  private static void deliver(SinkDelivery delivery, List<List<SinkRecord>> batches)
      throws Exception {
    for (List<SinkRecord> batch : batches) {
      SinkResult result = delivery.deliver(batch).get(60, TimeUnit.SECONDS);
      if (!result.allDelivered()) {
        throw new IllegalStateException("the sink rejected records: " + result.rejected().get(0));
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String format(List<Double> values) {
    return String.join(", ", values.stream().map(v -> String.format("%,.0f", v)).toList());
  }
}
