package io.millrace.bench.log;

import io.millrace.log.AppendResult;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain loop doing what {@link LogAppendBenchmark} does (or, with policy {@code raw}, what {@link
 * RawFileAppendBenchmark} does), for attaching a profiler such as {@code perf record} or JFR
 * without JMH in the picture. Prints the rate once per second. Not a benchmark: use JMH for
 * figures.
 *
 * <pre>
 * java -cp millrace-bench.jar io.millrace.bench.log.AppendLoop os|group-commit|every-batch|raw \
 *     RECORD_BYTES SECONDS [topic.setting=value ...]
 * </pre>
 */
public final class AppendLoop {

  private AppendLoop() {}

  public static void main(String[] args) throws IOException {
    String policy = args.length > 0 ? args[0] : "os";
    int recordBytes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Map<String, String> topicConfig = new HashMap<>();
    for (int i = 3; i < args.length; i++) {
      String[] setting = args[i].split("=", 2);
      topicConfig.put(setting[0], setting[1]);
    }
    ByteBuffer batch =
        BenchBatches.fitting(
            recordBytes, BenchBatches.TARGET_BATCH_BYTES, System.currentTimeMillis(), 42);
    int records = BenchBatches.recordCount(batch);
    Path directory = BenchDirectories.create("append-loop-");
    System.out.println("data on " + BenchDirectories.describe(directory));
    try {
      if (policy.equals("raw")) {
        try (FileChannel channel =
            FileChannel.open(
                directory.resolve("raw.log"),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
          loop(
              seconds,
              records,
              () -> {
                batch.position(0);
                while (batch.hasRemaining()) {
                  channel.write(batch);
                }
              });
        }
      } else {
        try (Log log = Log.open(LogOptions.defaults(directory))) {
          topicConfig.put(TopicConfig.FLUSH_POLICY, policy);
          log.createTopic("loop", 1, topicConfig);
          PartitionLog partition = log.partition(new TopicPartition("loop", 0));
          loop(
              seconds,
              records,
              () -> {
                AppendResult result = partition.append(batch);
                if (!result.isOk()) {
                  throw new IllegalStateException(result.message());
                }
                result.durable().join();
              });
        }
      }
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
  }

  private interface Step {
    void run() throws IOException;
  }

  private static void loop(int seconds, int recordsPerStep, Step step) throws IOException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long windowStart = System.nanoTime();
    long steps = 0;
    while (System.nanoTime() < end) {
      step.run();
      steps++;
      long now = System.nanoTime();
      if (now - windowStart >= 1_000_000_000L) {
        double perSecond = steps * 1e9 / (now - windowStart);
        System.out.printf(
            "%,.0f batches/s  %,.0f records/s%n", perSecond, perSecond * recordsPerStep);
        steps = 0;
        windowStart = now;
      }
    }
  }
}
