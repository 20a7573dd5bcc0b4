package io.millrace.bench.view;

import io.millrace.bench.log.BenchDirectories;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.Io;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import io.millrace.serve.ViewIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * View upserts per second: the work of a view's indexer thread. The changelog (one partition,
 * {@link #BATCHES} batches of exactly {@link #RECORDS_PER_BATCH} records: keys drawn uniformly from
 * {@code keys} distinct keys, ~100-byte JSON values) is written once per trial; each operation is
 * one record, so the score is records applied per second.
 *
 * <ul>
 *   <li>{@code indexFromLog}: what the indexer does per batch: read one batch from the log ({@link
 *       PartitionLog#read}) and {@link ViewIndex#applyBatches} it (records visited in the batch, no
 *       per-record objects) with the new position in one RocksDB write batch;
 *   <li>{@code applyDecoded}: only the {@link ViewIndex#apply} of already decoded records (the
 *       RocksDB share of the cost).
 * </ul>
 *
 * The index lives in a fresh directory per trial and keeps growing over the iterations, so
 * RocksDB's memtable flushes and compactions are part of the measured time.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ViewIndexBenchmark {

  public static final int RECORDS_PER_BATCH = 1_000;
  public static final int BATCHES = 200;

  @Param({"100000", "1000000"})
  public int keys;

  private Path directory;
  private Log log;
  private PartitionLog partition;
  private ViewIndex index;
  private List<List<LogRecord>> decoded;
  private long nextOffset;
  private int nextBatch;
  private long appliedOffset;

  @Setup(Level.Trial)
  public void writeChangelog() throws IOException {
    directory = BenchDirectories.create("view-");
    log = Log.open(LogOptions.defaults(directory.resolve("log")));
    log.createTopic(
        "__view.bench",
        1,
        Map.of(TopicConfig.FLUSH_POLICY, "os", TopicConfig.CLEANUP_POLICY, "compact"));
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    SplittableRandom random = new SplittableRandom(42);
    for (int b = 0; b < BATCHES; b++) {
      List<WriteRecord> records = new ArrayList<>(RECORDS_PER_BATCH);
      for (int r = 0; r < RECORDS_PER_BATCH; r++) {
        int key = random.nextInt(keys);
        String value =
            "{\"user_id\":\"user-"
                + key
                + "\",\"name\":\"Name "
                + key
                + "\",\"visits\":"
                + random.nextInt(1_000)
                + ",\"country\":\"FR\",\"plan\":\"pro\"}";
        records.add(
            WriteRecord.of(
                String.format("user-%07d", key).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
      }
      WriteResult result = writer.tryWrite("__view.bench", records);
      if (!result.isOk()) {
        throw new IllegalStateException("writing the changelog failed: " + result);
      }
    }
    partition = log.partition(new TopicPartition("__view.bench", 0));
    decoded = new ArrayList<>(BATCHES);
    for (long offset = 0; offset < partition.logEndOffset(); ) {
      LogSlice slice = partition.read(offset, 1);
      List<LogRecord> records = RecordBatches.records(slice.read());
      if (records.size() != RECORDS_PER_BATCH) {
        throw new IllegalStateException("a batch holds " + records.size() + " records");
      }
      decoded.add(records);
      offset = slice.nextOffset();
    }
    index = ViewIndex.open(directory.resolve("index"), "bench");
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    index.close();
    log.close();
    Io.deleteRecursively(directory);
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS_PER_BATCH)
  public int indexFromLog() throws IOException {
    if (nextOffset >= partition.logEndOffset()) {
      nextOffset = 0;
    }
    LogSlice slice = partition.read(nextOffset, 1);
    ViewIndex.Applied applied =
        index.applyBatches(0, slice.read(), nextOffset, slice.nextOffset(), Long.MIN_VALUE);
    nextOffset = slice.nextOffset();
    return applied.records();
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS_PER_BATCH)
  public int applyDecoded() {
    List<LogRecord> records = decoded.get(nextBatch);
    nextBatch = (nextBatch + 1) % decoded.size();
    appliedOffset += RECORDS_PER_BATCH;
    return index.apply(0, records, appliedOffset, Long.MIN_VALUE);
  }
}
