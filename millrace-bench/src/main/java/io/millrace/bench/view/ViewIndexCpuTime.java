package io.millrace.bench.view;

import io.millrace.bench.BenchOptions;
import io.millrace.bench.log.BenchDirectories;
import io.millrace.log.format.LogRecord;
import io.millrace.log.segment.Io;
import io.millrace.serve.ViewIndex;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * View upserts per CPU-second: applies {@code batches} batches of {@code records} decoded changelog
 * records ({@code keys} distinct keys, ~100-byte JSON values) to a fresh {@link ViewIndex} and
 * reports records per second of wall-clock time, of the applying thread's CPU time, and of the
 * whole process's CPU time (which includes RocksDB's flush and compaction threads). On a machine
 * shared with other work, the CPU-time figures are the ones to compare: wall-clock rates swing with
 * the neighbours' load.
 */
public final class ViewIndexCpuTime {

  private ViewIndexCpuTime() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("keys", "100000");
    defaults.put("records", "1000");
    defaults.put("batches", "2000");
    defaults.put("rounds", "3");
    Map<String, String> options = BenchOptions.parse("ViewIndexCpuTime", defaults, args);
    int keys = Integer.parseInt(options.get("keys"));
    int recordsPerBatch = Integer.parseInt(options.get("records"));
    int batches = Integer.parseInt(options.get("batches"));
    List<List<LogRecord>> decoded = batches(keys, recordsPerBatch, 200);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int round = 0; round < Integer.parseInt(options.get("rounds")); round++) {
      Path directory = BenchDirectories.create("view-cpu-");
      try (ViewIndex index = ViewIndex.open(directory.resolve("index"), "bench")) {
        long wallStart = System.nanoTime();
        long threadStart = threads.getCurrentThreadCpuTime();
        long processStart = os.getProcessCpuTime();
        long offset = 0;
        for (int b = 0; b < batches; b++) {
          List<LogRecord> batch = decoded.get(b % decoded.size());
          offset += batch.size();
          index.apply(0, batch, offset, Long.MIN_VALUE);
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double thread = (threads.getCurrentThreadCpuTime() - threadStart) / 1e9;
        double process = (os.getProcessCpuTime() - processStart) / 1e9;
        System.out.printf(
            "RESULT view upserts: keys %d, %d records per batch, %d records: %.0f/s wall,"
                + " %.0f per applying-thread CPU-second, %.0f per process CPU-second%n",
            keys, recordsPerBatch, offset, offset / wall, offset / thread, offset / process);
      } finally {
        Io.deleteRecursively(directory);
      }
    }
  }

  static List<List<LogRecord>> batches(int keys, int recordsPerBatch, int count) {
    SplittableRandom random = new SplittableRandom(42);
    List<List<LogRecord>> batches = new ArrayList<>(count);
    long offset = 0;
    for (int b = 0; b < count; b++) {
      List<LogRecord> batch = new ArrayList<>(recordsPerBatch);
      for (int r = 0; r < recordsPerBatch; r++) {
        int key = random.nextInt(keys);
        String value =
            "{\"user_id\":\"user-"
                + key
                + "\",\"name\":\"Name "
                + key
                + "\",\"visits\":"
                + random.nextInt(1_000)
                + ",\"country\":\"FR\",\"plan\":\"pro\"}";
        batch.add(
            new LogRecord(
                offset++,
                1_700_000_000_000L,
                String.format("user-%07d", key).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8),
                List.of()));
      }
      batches.add(batch);
    }
    return batches;
  }
}
