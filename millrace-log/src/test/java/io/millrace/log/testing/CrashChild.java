package io.millrace.log.testing;

import io.millrace.common.Clock;
import io.millrace.log.AppendResult;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.FlushPolicy;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.segment.FileIo;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.zip.CRC32C;

/**
 * The process that {@code CrashRecoveryTest} kills with {@code kill -9}: opens a log, appends
 * batches in a loop and reports each acknowledgement on stdout once the append's {@code durable()}
 * future has completed. With {@code compact=true} it also compacts the topic over and over on a
 * second thread, so that kills land in the middle of compaction passes and swaps.
 *
 * <p>Arguments are {@code name=value}: {@code dir}, {@code flush} (every-batch, group-commit, os),
 * {@code segmentBytes}, {@code compact} (true/false), {@code run} (a number that tells this run's
 * batches from earlier runs') and {@code seed}.
 *
 * <p>Protocol on stdout, one line each, every line ends with {@code " ;"} so that a line cut by the
 * kill is recognisable:
 *
 * <pre>
 * READY logEndOffset ;
 * ACK run sequence baseOffset lastOffset crc32c-of-the-stamped-batch ;
 * FAIL what went wrong ;
 * </pre>
 *
 * Batch number {@code sequence} of run {@code run} is {@link #batch} of those numbers, so the test
 * rebuilds every batch it finds in the log, acknowledged or not, and compares it byte for byte. The
 * log's own output goes to stderr.
 */
public final class CrashChild {

  public static final String TOPIC = "crash";
  public static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  /** The header that names the run, sequence and index of each record: "run:sequence:index". */
  public static final String ID_HEADER = "crash-id";

  private static final int MAX_IN_FLIGHT = 256;
  private static final long BASE_TIMESTAMP_MS = 1_700_000_000_000L;

  private CrashChild() {}

  /** Batches of the delete-policy topic: random keys, no tombstones. */
  private static final RandomBatches PLAIN = new RandomBatches(8, 400, 0, 0);

  /** Incompressible bytes the large batches take their values from (cheap to build). */
  private static final byte[] BLOCK = new byte[1 << 20];

  static {
    new Random(42).nextBytes(BLOCK);
  }

  /** Batches of the compacted topic: few keys, so compaction has work, and some deletes. */
  private static final RandomBatches KEYED = new RandomBatches(8, 200, 40, 0.1);

  /** Batch {@code sequence} of run {@code run}, as the child appends it (before stamping). */
  public static ByteBuffer batch(long seed, int run, int sequence, boolean compacted) {
    Random random = new Random(seed * 1_000_003L + run * 7_919L + sequence);
    RandomBatches shape = compacted ? KEYED : PLAIN;
    long timestamp = BASE_TIMESTAMP_MS + run * 10_000_000L + sequence;
    if (!compacted && random.nextInt(16) == 0) {
      // Now and then a large batch: a kill is then likely to land inside its write and leave a
      // torn batch for recovery to cut off.
      return large(random, timestamp, run + ":" + sequence);
    }
    return shape.nextTagged(random, timestamp, ID_HEADER, run + ":" + sequence);
  }

  /**
   * One uncompressed record of 128 KiB to 768 KiB: building it costs little next to writing it, so
   * a kill often lands inside the write.
   */
  private static ByteBuffer large(Random random, long timestamp, String tag) {
    byte[] value = Arrays.copyOf(BLOCK, 128 * 1024 + random.nextInt(640 * 1024));
    byte[] start = new byte[16];
    random.nextBytes(start);
    System.arraycopy(start, 0, value, 0, start.length);
    return BatchBuilder.build(
        Codec.NONE,
        List.of(
            new BatchBuilder.NewRecord(
                timestamp,
                start,
                value,
                List.of(new LogRecord.Header(ID_HEADER, Batches.bytes(tag + ":0"))))));
  }

  /** Parses an id header value into {run, sequence, index}. */
  public static int[] parseId(LogRecord record) {
    for (LogRecord.Header header : record.headers()) {
      if (header.key().equals(ID_HEADER)) {
        String[] parts = new String(header.value(), StandardCharsets.UTF_8).split(":");
        return new int[] {
          Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])
        };
      }
    }
    throw new AssertionError("record without a " + ID_HEADER + " header: " + record);
  }

  /** CRC-32C over a whole stamped batch. */
  public static long crcOf(ByteBuffer batch) {
    CRC32C crc = new CRC32C();
    crc.update(batch.duplicate());
    return crc.getValue();
  }

  /** The topic settings of a run; the same for every run on one directory. */
  public static Map<String, String> topicConfig(
      FlushPolicy flush, int segmentBytes, boolean compacted) {
    Map<String, String> config = new HashMap<>();
    config.put(TopicConfig.FLUSH_POLICY, flush.configName());
    config.put(TopicConfig.SEGMENT_BYTES, Integer.toString(segmentBytes));
    config.put(TopicConfig.INDEX_INTERVAL_BYTES, "256");
    if (compacted) {
      config.put(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName());
      config.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01");
      config.put(TopicConfig.DELETE_RETENTION_MS, "50");
    }
    return config;
  }

  public static void main(String[] args) throws Exception {
    // Before anything logs: the log's own output must not mix with the protocol on stdout.
    System.setProperty("logback.configurationFile", "logback-crash-child.xml");
    Map<String, String> arguments = new HashMap<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      arguments.put(arg.substring(0, equals), arg.substring(equals + 1));
    }
    Path dir = Path.of(arguments.get("dir"));
    FlushPolicy flush = FlushPolicy.parse(arguments.get("flush"));
    int segmentBytes = Integer.parseInt(arguments.get("segmentBytes"));
    boolean compacted = Boolean.parseBoolean(arguments.get("compact"));
    int run = Integer.parseInt(arguments.get("run"));
    long seed = Long.parseLong(arguments.get("seed"));
    PrintStream out = System.out;

    LogOptions options =
        new LogOptions(
            dir, Clock.SYSTEM, FileIo.DEFAULT, TopicConfig.DEFAULTS, 3_600_000, 10, 100, 1_000, 1);
    Log log = Log.open(options);
    if (log.describeTopic(TOPIC).isEmpty()) {
      log.createTopic(TOPIC, 1, topicConfig(flush, segmentBytes, compacted));
    }
    PartitionLog partition = log.partition(TP);
    report(out, "READY " + partition.logEndOffset());
    if (compacted) {
      Thread compactor = new Thread(() -> compactForever(log, out), "crash-child-compactor");
      compactor.setDaemon(true);
      compactor.start();
    }
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    for (int sequence = 0; ; sequence++) {
      ByteBuffer batch = batch(seed, run, sequence, compacted);
      inFlight.acquire();
      AppendResult result = partition.append(batch);
      if (!result.isOk()) {
        report(out, "FAIL append " + sequence + ": " + result.status() + " " + result.message());
        System.exit(2);
      }
      String ack =
          "ACK "
              + run
              + " "
              + sequence
              + " "
              + result.baseOffset()
              + " "
              + result.lastOffset()
              + " "
              + crcOf(batch);
      result
          .durable()
          .whenComplete(
              (done, failure) -> {
                inFlight.release();
                if (failure == null) {
                  report(out, ack);
                } else {
                  report(out, "FAIL durable: " + failure);
                }
              });
    }
  }

  private static void compactForever(Log log, PrintStream out) {
    try {
      while (true) {
        log.compactNow(TP);
      }
    } catch (RuntimeException e) {
      report(out, "FAIL compaction: " + e);
      System.exit(3);
    }
  }

  private static void report(PrintStream out, String line) {
    synchronized (out) {
      out.println(line + " ;");
      out.flush();
    }
  }

  /** The protocol lines of a child's stdout, as read by the test. */
  public record Ack(int run, int sequence, long baseOffset, long lastOffset, long crc) {

    /** Parses an ACK line; null for any other line or a line the kill cut short. */
    public static Ack parse(String line) {
      if (!line.startsWith("ACK ") || !line.endsWith(" ;")) {
        return null;
      }
      String[] parts = line.split(" ");
      return new Ack(
          Integer.parseInt(parts[1]),
          Integer.parseInt(parts[2]),
          Long.parseLong(parts[3]),
          Long.parseLong(parts[4]),
          Long.parseLong(parts[5]));
    }
  }
}
