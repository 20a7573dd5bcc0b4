package io.millrace.bench.pipeline;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.runtime.PipelineRuntime;
import io.millrace.pipeline.runtime.PipelineStatus;
import io.millrace.pipeline.runtime.SinkFactory;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Topic to topic, end to end in one process: {@code COUNT} Nexmark bids are written to a topic
 * first, then the filter + mask + map pipeline is deployed and timed until its lag is zero. Prints
 * wall-clock events per second and events per CPU-second of the whole process (the tasks, the log's
 * flusher, everything), which is what the per-core target is about.
 *
 * <pre>
 * java -Xms2g -Xmx2g -cp millrace-bench.jar io.millrace.bench.pipeline.PipelineThroughput \
 *     COUNT PARTITIONS THREADS ROUNDS
 * </pre>
 */
public final class PipelineThroughput {

  private PipelineThroughput() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    int partitions = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    System.out.printf(
        "pipeline throughput: %,d bids, %d partitions, %d task threads, %d rounds%n",
        count, partitions, threads, rounds);
    for (int round = 1; round <= rounds; round++) {
      Path dir = Files.createTempDirectory("millrace-pipeline-bench");
      try {
        runOnce(dir, count, partitions, threads, round);
      } finally {
        deleteTree(dir);
      }
    }
  }

  private static void runOnce(Path dir, int count, int partitions, int threads, int round)
      throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dir))) {
      TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
      log.createTopic("bids", partitions, Map.of());
      fill(writer, count);
      GroupOffsetStore offsets = GroupOffsetStore.open(log, 1);
      try (PipelineRuntime runtime =
          new PipelineRuntime(
              log,
              writer,
              offsets,
              EnvironmentSubstitution.from(Map.of()),
              SinkFactory.unavailable("no sinks here"),
              (view, ttlMs) -> {
                throw new IllegalArgumentException("no views here");
              },
              new PipelineRuntime.Options(threads, true, partitions))) {
        var bean =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = bean.getProcessCpuTime();
        long wallStart = System.nanoTime();
        runtime.deploy("bids-clean.yaml", NexmarkBids.PIPELINE);
        PipelineStatus status;
        do {
          Thread.sleep(5);
          status = runtime.status("bids-clean").orElseThrow();
        } while (status.lag() > 0 || status.recordsIn() < count);
        long wallNanos = System.nanoTime() - wallStart;
        long cpuNanos = bean.getProcessCpuTime() - cpuStart;
        System.out.printf(
            "round %d: %,.0f events/s wall, %,.0f events per CPU-second (%.2f s wall, %.2f s CPU,"
                + " %,d out)%n",
            round,
            count / (wallNanos / 1e9),
            count / (cpuNanos / 1e9),
            wallNanos / 1e9,
            cpuNanos / 1e9,
            status.recordsOut());
      }
    }
  }

  private static void fill(TopicWriter writer, int count) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    List<WriteRecord> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      batch.add(WriteRecord.of(null, NexmarkBids.bid(random, i)));
      if (batch.size() == 5_000 || i == count - 1) {
        WriteResult result;
        while ((result = writer.tryWrite("bids", batch)).status()
            == io.millrace.log.write.WriteStatus.BACK_PRESSURED) {
          writer.onCapacity().get();
        }
        if (!result.isOk()) {
          throw new IllegalStateException(result.toString());
        }
        batch.clear();
      }
    }
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
