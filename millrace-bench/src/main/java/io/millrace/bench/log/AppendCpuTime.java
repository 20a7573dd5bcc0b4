package io.millrace.bench.log;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.BatchValidator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The CPU cost of an {@code os} append next to a raw {@code FileChannel.write} of the same batch,
 * measured as the appending thread's CPU time (user + system) rather than wall-clock throughput. On
 * a machine shared with other work, wall-clock figures move by tens of percent when the thread is
 * descheduled; its own CPU time moves much less, so an A/B of two builds can be read there. Not a
 * replacement for {@link LogAppendBenchmark} on an idle machine: it does not see waiting, and
 * contention for caches still inflates both sides.
 *
 * <p>Each round validates the batch 20,000 times, appends it {@code BATCHES} times to a new {@code
 * os} topic (deleted afterwards) and writes it as often to a new plain file (deleted afterwards),
 * all on one thread, the same bytes, in one process. The first third of the rounds warm up; the
 * minimum and median of the rest are printed, per batch, and the raw-to-log ratio.
 *
 * <pre>
 * java -Xms1g -Xmx1g -cp millrace-bench.jar io.millrace.bench.log.AppendCpuTime \
 *     RECORD_BYTES ROUNDS BATCHES [LABEL]
 * </pre>
 */
public final class AppendCpuTime {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static final int VALIDATIONS = 20_000;

  private AppendCpuTime() {}

  public static void main(String[] args) throws IOException {
    int recordBytes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int batches = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
    String label = args.length > 3 ? args[3] + " " : "";
    ByteBuffer batch =
        BenchBatches.fitting(
            recordBytes, BenchBatches.TARGET_BATCH_BYTES, System.currentTimeMillis(), 42);
    BatchValidator validator = new BatchValidator();
    List<Double> validate = new ArrayList<>();
    List<Double> append = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    Path directory = BenchDirectories.create("append-cpu-");
    System.out.println("data on " + BenchDirectories.describe(directory));
    try (Log log = Log.open(LogOptions.defaults(directory.resolve("log")))) {
      for (int round = 0; round < rounds; round++) {
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < VALIDATIONS; i++) {
          if (!validator.validate(batch, Integer.MAX_VALUE, false).isValid()) {
            throw new IllegalStateException("the benchmark batch is invalid");
          }
        }
        validate.add((THREADS.getCurrentThreadCpuTime() - start) / (double) VALIDATIONS);
        append.add(appendRound(log, "cpu-" + round, batch, batches));
        raw.add(rawRound(directory.resolve("raw-" + round), batch, batches));
      }
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
    int warmup = rounds / 3;
    System.out.printf(
        "%sCPU ns per batch (%d records of %d bytes), min / median of %d rounds:%n",
        label, BenchBatches.recordCount(batch), recordBytes, rounds - warmup);
    System.out.printf("%s  validate    %s%n", label, minAndMedian(validate, warmup));
    System.out.printf("%s  os append   %s%n", label, minAndMedian(append, warmup));
    System.out.printf("%s  raw write   %s%n", label, minAndMedian(raw, warmup));
    List<Double> appendSorted = sorted(append, warmup);
    List<Double> rawSorted = sorted(raw, warmup);
    System.out.printf(
        "%s  raw / os append: %.3f (min)  %.3f (median)%n",
        label,
        rawSorted.getFirst() / appendSorted.getFirst(),
        rawSorted.get(rawSorted.size() / 2) / appendSorted.get(appendSorted.size() / 2));
  }

  private static double appendRound(Log log, String topic, ByteBuffer batch, int batches) {
    log.createTopic(topic, 1, Map.of(TopicConfig.FLUSH_POLICY, "os"));
    PartitionLog partition = log.partition(new TopicPartition(topic, 0));
    long start = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < batches; i++) {
      if (!partition.append(batch).isOk()) {
        throw new IllegalStateException("append failed");
      }
    }
    double perBatch = (THREADS.getCurrentThreadCpuTime() - start) / (double) batches;
    log.deleteTopic(topic);
    return perBatch;
  }

  private static double rawRound(Path file, ByteBuffer batch, int batches) throws IOException {
    double perBatch;
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long start = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < batches; i++) {
        batch.position(0);
        while (batch.hasRemaining()) {
          channel.write(batch);
        }
      }
      perBatch = (THREADS.getCurrentThreadCpuTime() - start) / (double) batches;
    } finally {
      batch.position(0);
    }
    Files.delete(file);
    return perBatch;
  }

  private static List<Double> sorted(List<Double> values, int skip) {
    List<Double> kept = new ArrayList<>(values.subList(skip, values.size()));
    Collections.sort(kept);
    return kept;
  }

  private static String minAndMedian(List<Double> values, int skip) {
    List<Double> kept = sorted(values, skip);
    return String.format("%,8.0f / %,8.0f", kept.getFirst(), kept.get(kept.size() / 2));
  }
}
