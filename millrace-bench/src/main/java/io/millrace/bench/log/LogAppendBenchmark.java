package io.millrace.bench.log;

import io.millrace.log.AppendResult;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Append throughput of one partition: one thread appends the same ~16 KiB batch again and again
 * ({@link PartitionLog#append} re-validates the CRC-32C and every record and re-stamps offsets each
 * time, which is part of the cost measured). One operation is one batch; the {@link Throughput}
 * counters give records/s and bytes/s.
 *
 * <p>Two regimes ({@code regime}):
 *
 * <ul>
 *   <li>{@code burst} (default): every iteration appends to a new topic (default 1 GiB segments)
 *       that is deleted when the iteration ends, so each iteration starts with no dirty page cache
 *       and short iterations measure the speed of the log's code path and of copying into the page
 *       cache, which is what the comparison with {@link RawFileAppendBenchmark} is about. Closing
 *       the topic fsyncs what it holds; that happens in the iteration teardown and is not timed.
 *   <li>{@code sustained}: one topic for the whole trial, so after a warm-up of a few seconds the
 *       kernel throttles writers to what the device writes back: with {@code os} this is the disk's
 *       bandwidth, not the log's. Use long iterations (the run script uses 10 s warm-up, 3 x 5 s);
 *       the disk holds up to (warm-up + measurement time) x device bandwidth until the trial ends.
 * </ul>
 *
 * <p>For {@code group-commit} the appender keeps at most {@link #MAX_IN_FLIGHT_BYTES} of appended
 * but not yet durable data, waiting for the oldest acknowledgement when the window is full, as a
 * producer with a bounded buffer would; so the figure is an acknowledged throughput, not only the
 * speed of handing bytes to the page cache. With {@code os} and {@code every-batch} the durable
 * future is already complete when append returns, and the window never waits.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LogAppendBenchmark {

  /** Appended but unacknowledged bytes the appender allows (Kafka's buffer.memory is 32 MiB). */
  public static final int MAX_IN_FLIGHT_BYTES = 32 << 20;

  @Param({"100", "1024"})
  public int recordBytes;

  @Param({"os", "group-commit", "every-batch"})
  public String flushPolicy;

  /**
   * The topic's index.interval.bytes. With ~16 KiB batches the default 4096 indexes every batch;
   * {@code -p indexIntervalBytes=4096,1073741824} shows what the index writes cost.
   */
  @Param({"4096"})
  public String indexIntervalBytes;

  @Param({"burst"})
  public String regime;

  private Path directory;
  private Log log;
  private ByteBuffer batch;
  private int batchRecords;
  private int batchBytes;
  private int iteration;
  private String topic;
  private PartitionLog partition;
  private CompletableFuture<?>[] inFlight;
  private int inFlightNext;

  @Setup(Level.Trial)
  public void openLog() throws IOException {
    directory = BenchDirectories.create("append-");
    log = Log.open(LogOptions.defaults(directory));
    batch =
        BenchBatches.fitting(
            recordBytes, BenchBatches.TARGET_BATCH_BYTES, System.currentTimeMillis(), 42);
    batchRecords = BenchBatches.recordCount(batch);
    batchBytes = batch.remaining();
    inFlight = new CompletableFuture<?>[Math.max(1, MAX_IN_FLIGHT_BYTES / batchBytes)];
    if (!regime.equals("burst") && !regime.equals("sustained")) {
      throw new IllegalArgumentException("regime must be burst or sustained: " + regime);
    }
    System.out.printf(
        "%nappend: %d records of %d bytes per batch, %d bytes per batch, data on %s%n",
        batchRecords, recordBytes, batchBytes, BenchDirectories.describe(directory));
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    if (partition == null) {
      createTopic();
    }
  }

  private void createTopic() {
    topic = "append-" + iteration++;
    log.createTopic(
        topic,
        1,
        Map.of(
            TopicConfig.FLUSH_POLICY,
            flushPolicy,
            TopicConfig.INDEX_INTERVAL_BYTES,
            indexIntervalBytes));
    partition = log.partition(new TopicPartition(topic, 0));
  }

  @Benchmark
  public void append(Throughput throughput, Blackhole blackhole) {
    AppendResult result = partition.append(batch);
    if (!result.isOk()) {
      throw new IllegalStateException("append failed: " + result.status() + " " + result.message());
    }
    CompletableFuture<?> oldest = inFlight[inFlightNext];
    if (oldest != null) {
      oldest.join();
    }
    inFlight[inFlightNext] = result.durable();
    inFlightNext = inFlightNext + 1 == inFlight.length ? 0 : inFlightNext + 1;
    blackhole.consume(result);
    throughput.records += batchRecords;
    throughput.bytes += batchBytes;
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    for (int i = 0; i < inFlight.length; i++) {
      if (inFlight[i] != null) {
        inFlight[i].join();
        inFlight[i] = null;
      }
    }
    if (!regime.equals("sustained")) {
      deleteTopic();
    }
  }

  private void deleteTopic() {
    log.deleteTopic(topic);
    partition = null;
  }

  @TearDown(Level.Trial)
  public void closeLog() throws IOException {
    try {
      if (partition != null) {
        deleteTopic();
      }
      log.close();
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
  }
}
