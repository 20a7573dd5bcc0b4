package io.millrace.bench.log;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.Codec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The record batches the log benchmarks append: uncompressed record batches v2 whose records have
 * no key, no headers and a value of random bytes (incompressible, as a producer's payload would
 * be). A "100-byte record" is a record with a 100-byte value; the v2 framing adds about 8 bytes to
 * each record and 61 bytes to each batch.
 */
public final class BenchBatches {

  /** The batch size the throughput benchmarks aim for: a Kafka producer's default batch.size. */
  public static final int TARGET_BATCH_BYTES = 16 * 1024;

  private BenchBatches() {}

  /**
   * The largest batch of {@code valueBytes}-byte records that fits in {@code targetBytes}, in a
   * writable heap buffer of exactly its size.
   */
  public static ByteBuffer fitting(int valueBytes, int targetBytes, long timestampMs, long seed) {
    Random random = new Random(seed);
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    ByteBuffer best = null;
    while (true) {
      records.add(record(random, valueBytes, timestampMs));
      ByteBuffer candidate = BatchBuilder.build(Codec.NONE, records);
      if (candidate.remaining() > targetBytes) {
        break;
      }
      best = candidate;
    }
    if (best == null) {
      throw new IllegalArgumentException(
          "a record of " + valueBytes + " bytes does not fit in " + targetBytes + " bytes");
    }
    return exactCopy(best);
  }

  /** A batch of exactly {@code count} records of {@code valueBytes} random bytes. */
  public static ByteBuffer ofCount(int valueBytes, int count, long timestampMs, long seed) {
    Random random = new Random(seed);
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(record(random, valueBytes, timestampMs));
    }
    return exactCopy(BatchBuilder.build(Codec.NONE, records));
  }

  private static BatchBuilder.NewRecord record(Random random, int valueBytes, long timestampMs) {
    byte[] value = new byte[valueBytes];
    random.nextBytes(value);
    return new BatchBuilder.NewRecord(timestampMs, null, value);
  }

  /** Builders may return a buffer with spare capacity; the benchmarks want exactly the batch. */
  private static ByteBuffer exactCopy(ByteBuffer batch) {
    ByteBuffer copy = ByteBuffer.allocate(batch.remaining());
    copy.put(batch.duplicate()).flip();
    return copy;
  }

  /** The number of records in the single batch held by {@code batch}. */
  public static int recordCount(ByteBuffer batch) {
    return BatchLayout.recordsCount(batch, batch.position());
  }
}
