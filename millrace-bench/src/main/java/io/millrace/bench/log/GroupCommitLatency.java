package io.millrace.bench.log;

import io.millrace.bench.BenchOptions;
import io.millrace.bench.OpenLoop;
import io.millrace.log.AppendResult;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Acknowledgement latency of durable appends under a steady, open-loop load: one thread appends a
 * batch every 1/rate seconds on a fixed schedule, whatever happened to earlier appends, and the
 * latency of each batch is measured from the time it was <em>scheduled</em> to be sent until its
 * {@link AppendResult#durable()} future completes. Measuring from the schedule, not from the actual
 * send, corrects for coordinated omission: when the appender is held up, the batches it should have
 * sent meanwhile are charged the wait (it then sends them back to back to catch up).
 *
 * <p>Before the log runs, the same process measures the floor: the latency of writing one such
 * batch to a plain file and {@code fdatasync}ing it, closed loop.
 *
 * <pre>
 * java -cp millrace-bench.jar io.millrace.bench.log.GroupCommitLatency \
 *     [--rates 2000,10000,50000] [--flush-interval-ms 1] [--policy group-commit] \
 *     [--records-per-batch 10] [--record-bytes 100] [--warmup-seconds 5] [--seconds 20]
 * </pre>
 *
 * <p>Each rate runs against a new topic in a new log under {@code -Dmillrace.bench.dir}, deleted
 * afterwards. Lines starting with {@code RESULT} are for the run script's summary. The appender
 * waits by parking, then spinning for the last 100 microseconds, so it keeps one core busy at high
 * rates; the group-commit thread and the kernel share the other.
 */
public final class GroupCommitLatency {

  private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final Map<String, String> options;
  private final PrintStream out;

  private GroupCommitLatency(Map<String, String> options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("rates", "2000,10000,50000");
    options.put("flush-interval-ms", "1");
    options.put("policy", "group-commit");
    options.put("records-per-batch", "10");
    options.put("record-bytes", "100");
    options.put("warmup-seconds", "5");
    options.put("seconds", "20");
    options.put("fsync-samples", "2000");
    BenchOptions.parse("GroupCommitLatency", options, args);
    new GroupCommitLatency(options, System.out).run();
  }

  private int intOption(String name) {
    return Integer.parseInt(options.get(name));
  }

  private void run() throws IOException, InterruptedException {
    ByteBuffer batch =
        BenchBatches.ofCount(
            intOption("record-bytes"),
            intOption("records-per-batch"),
            System.currentTimeMillis(),
            1);
    out.printf(
        "batches of %d records of %d bytes (%d bytes per batch), policy %s, flush.interval.ms=%s%n",
        intOption("records-per-batch"),
        intOption("record-bytes"),
        batch.remaining(),
        options.get("policy"),
        options.get("flush-interval-ms"));
    measureFsyncFloor(batch);
    for (String rate : options.get("rates").split(",")) {
      measureLog(batch, Integer.parseInt(rate.trim()));
    }
  }

  /** Closed loop: write one batch at the end of a plain file and fdatasync it, many times. */
  private void measureFsyncFloor(ByteBuffer batch) throws IOException {
    Path directory = BenchDirectories.create("fsync-");
    out.printf("data on %s%n", BenchDirectories.describe(directory));
    Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    long elapsedNanos;
    try (FileChannel channel =
        FileChannel.open(
            directory.resolve("fsync.log"),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
      int samples = intOption("fsync-samples");
      long loopStart = System.nanoTime();
      for (int i = 0; i < samples; i++) {
        long start = System.nanoTime();
        ByteBuffer bytes = batch.duplicate();
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(false);
        histogram.recordValue(System.nanoTime() - start);
      }
      elapsedNanos = System.nanoTime() - loopStart;
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
    report(
        "fsync-floor", "write+fdatasync, closed loop", 0, histogram, histogram.getTotalCount(), 0);
  }

  private void measureLog(ByteBuffer batch, int ratePerSecond)
      throws IOException, InterruptedException {
    Path directory = BenchDirectories.create("latency-");
    try (Log log = Log.open(LogOptions.defaults(directory))) {
      log.createTopic(
          "latency",
          1,
          Map.of(
              TopicConfig.FLUSH_POLICY,
              options.get("policy"),
              TopicConfig.FLUSH_INTERVAL_MS,
              options.get("flush-interval-ms")));
      PartitionLog partition = log.partition(new TopicPartition("latency", 0));
      sendOnSchedule(partition, batch, ratePerSecond);
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
  }

  private void sendOnSchedule(PartitionLog partition, ByteBuffer batch, int ratePerSecond)
      throws InterruptedException {
    Recorder latencies = new Recorder(HIGHEST_TRACKABLE_NANOS, 3);
    Histogram sendLag = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    LongAdder acknowledged = new LongAdder();
    LongAdder failed = new LongAdder();
    long warmupNanos = TimeUnit.SECONDS.toNanos(intOption("warmup-seconds"));
    long measureNanos = TimeUnit.SECONDS.toNanos(intOption("seconds"));
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
    long measureStart = start + warmupNanos;
    long end = measureStart + measureNanos;
    long measuredSent = 0;
    List<CompletableFuture<Void>> tail = new ArrayList<>();
    for (long i = 0; ; i++) {
      long intended = start + i * 1_000_000_000L / ratePerSecond;
      if (intended >= end) {
        break;
      }
      OpenLoop.waitUntil(intended);
      boolean measured = intended >= measureStart;
      AppendResult result = partition.append(batch);
      if (!result.isOk()) {
        throw new IllegalStateException(
            "append failed: " + result.status() + " " + result.message());
      }
      if (measured) {
        measuredSent++;
        sendLag.recordValue(Math.max(0, System.nanoTime() - intended));
      }
      CompletableFuture<Void> durable =
          result
              .durable()
              .whenComplete(
                  (ignored, failure) -> {
                    if (failure != null) {
                      failed.increment();
                    } else if (measured) {
                      latencies.recordValue(
                          Math.min(System.nanoTime() - intended, HIGHEST_TRACKABLE_NANOS));
                      acknowledged.increment();
                    }
                  });
      if (intended + TimeUnit.MILLISECONDS.toNanos(100) >= end) {
        tail.add(durable);
      }
    }
    CompletableFuture.allOf(tail.toArray(CompletableFuture<?>[]::new)).join();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (acknowledged.sum() + failed.sum() < measuredSent && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    Histogram histogram = latencies.getIntervalHistogram();
    String label = options.get("policy") + " flush.interval.ms=" + options.get("flush-interval-ms");
    report("log", label, ratePerSecond, histogram, measuredSent * 1e9 / measureNanos, failed.sum());
    out.printf(
        "        appender lag behind schedule: p99 %.3f ms, max %.3f ms%n",
        millis(sendLag.getValueAtPercentile(99)), millis(sendLag.getMaxValue()));
  }

  private void report(
      String kind,
      String label,
      int ratePerSecond,
      Histogram histogram,
      double achievedPerSecond,
      long failures) {
    out.printf(
        "RESULT %s | %s | rate=%d/s | achieved=%.0f/s | count=%d | failed=%d | p50=%.3f | p90=%.3f"
            + " | p99=%.3f | p99.9=%.3f | p99.99=%.3f | max=%.3f ms%n",
        kind,
        label,
        ratePerSecond,
        achievedPerSecond,
        histogram.getTotalCount(),
        failures,
        millis(histogram.getValueAtPercentile(50)),
        millis(histogram.getValueAtPercentile(90)),
        millis(histogram.getValueAtPercentile(99)),
        millis(histogram.getValueAtPercentile(99.9)),
        millis(histogram.getValueAtPercentile(99.99)),
        millis(histogram.getMaxValue()));
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }
}
