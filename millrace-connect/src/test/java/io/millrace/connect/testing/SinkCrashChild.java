package io.millrace.connect.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@code PostgresSinkKillTest}: plays a pipeline task delivering a fixed stream of
 * records to a PostgreSQL sink. It resumes after the last offset in the acknowledgement file (as
 * the runtime resumes after its committed offset), delivers batch after batch through {@link
 * SinkDelivery}, and after each delivered batch records its last offset — so a kill between the
 * commit and that record replays the batch, as a crash of the real runtime would.
 *
 * <p>Arguments: JDBC URL, table, mode (upsert|append), acknowledgement file, stream seed, records.
 */
public final class SinkCrashChild {

  private SinkCrashChild() {}

  /** Record {@code offset} of the stream of {@code seed}: a key among 500, and its name. */
  public static SinkRecord record(long seed, long offset) {
    long id = new Random(seed * 1_000_003 + offset).nextInt(500);
    String json = "{\"id\":" + id + ",\"user\":{\"name\":\"v" + offset + "\"}}";
    return new SinkRecord(
        "in", 0, offset, 0L, null, json.getBytes(StandardCharsets.UTF_8), List.of());
  }

  /** The size of the batch that starts at {@code offset} (1 to 60, fixed per offset). */
  public static int batchSize(long seed, long offset) {
    return 1 + new Random(seed ^ (offset * 7919)).nextInt(60);
  }

  public static PostgresOutput output(String url, String table, PostgresOutput.Mode mode) {
    return new PostgresOutput(
        "db",
        url,
        "postgres",
        null,
        table,
        mode,
        mode == PostgresOutput.Mode.UPSERT ? List.of("id") : List.of(),
        List.of(
            new Column("id", FieldPath.parseOrNull("id"), ColumnType.BIGINT, false),
            new Column("name", FieldPath.parseOrNull("user.name"), ColumnType.TEXT, true)),
        true,
        1000,
        1,
        SourcePosition.startOf("child.yaml"));
  }

  /** The last acknowledged offset, or -1. */
  public static long acknowledged(Path ackFile) throws java.io.IOException {
    return Files.exists(ackFile) ? Long.parseLong(Files.readString(ackFile).strip()) : -1;
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String table = args[1];
    PostgresOutput.Mode mode = PostgresOutput.Mode.valueOf(args[2]);
    Path ackFile = Path.of(args[3]);
    long seed = Long.parseLong(args[4]);
    long records = Long.parseLong(args[5]);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    try (PostgresTarget target = new PostgresTarget(output(url, table, mode))) {
      SinkDelivery delivery =
          new SinkDelivery(
              new PostgresSink(target, new ObjectMapper(), executor),
              new RetryPolicy(50, 10, 200),
              new Random(seed),
              SinkDelivery.RetryScheduler.of(retries));
      long offset = acknowledged(ackFile) + 1;
      while (offset < records) {
        int size = (int) Math.min(records - offset, batchSize(seed, offset));
        List<SinkRecord> batch = new ArrayList<>(size);
        for (long i = offset; i < offset + size; i++) {
          batch.add(record(seed, i));
        }
        SinkResult result = delivery.deliver(batch).get(60, TimeUnit.SECONDS);
        if (!result.allDelivered()) {
          throw new IllegalStateException("rejected: " + result.rejected());
        }
        offset += size;
        Path next = ackFile.resolveSibling(ackFile.getFileName() + ".next");
        Files.writeString(next, Long.toString(offset - 1));
        Files.move(next, ackFile, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      retries.shutdownNow();
      executor.close();
    }
  }
}
