package io.millrace.log.testing;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Random record batches for seeded randomized tests: random codecs, record counts, keys, values,
 * headers and timestamps, all drawn from the caller's {@link Random} so a seed reproduces them.
 *
 * @param maxRecords most records in one batch (at least one is always made)
 * @param maxValueBytes largest value
 * @param keySpace keys are "k0".."k(keySpace-1)"; 0 makes random keys, some of them null
 * @param tombstoneChance share of keyed records whose value is null (a delete on compacted topics)
 */
public record RandomBatches(
    int maxRecords, int maxValueBytes, int keySpace, double tombstoneChance) {

  /** Small batches of unkeyed-or-keyed records, never tombstones. */
  public static final RandomBatches SMALL = new RandomBatches(12, 300, 0, 0);

  /** Builds one batch; timestamps wander around {@code timestampMs}, not always in order. */
  public ByteBuffer next(Random random, long timestampMs) {
    return build(random, timestampMs, index -> List.of());
  }

  /**
   * Builds one batch whose record number {@code i} also carries the header {@code headerKey} =
   * "{@code tag}:i" after its random ones (the crash tests name each record's writer this way).
   */
  public ByteBuffer nextTagged(Random random, long timestampMs, String headerKey, String tag) {
    return build(
        random,
        timestampMs,
        index -> List.of(new LogRecord.Header(headerKey, Batches.bytes(tag + ":" + index))));
  }

  private ByteBuffer build(
      Random random, long timestampMs, IntFunction<List<LogRecord.Header>> extraHeaders) {
    Codec codec = Codec.values()[random.nextInt(Codec.values().length)];
    int count = 1 + random.nextInt(maxRecords);
    List<BatchBuilder.NewRecord> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] key = key(random);
      byte[] value =
          key != null && random.nextDouble() < tombstoneChance
              ? null
              : randomBytes(random, random.nextInt(maxValueBytes + 1));
      List<LogRecord.Header> headers = new ArrayList<>();
      int headerCount = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
      for (int h = 0; h < headerCount; h++) {
        headers.add(
            new LogRecord.Header(
                "h" + random.nextInt(10),
                random.nextInt(5) == 0 ? null : randomBytes(random, random.nextInt(20))));
      }
      headers.addAll(extraHeaders.apply(i));
      long timestamp = Math.max(0, timestampMs - 50 + random.nextInt(100));
      records.add(new BatchBuilder.NewRecord(timestamp, key, value, headers));
    }
    return BatchBuilder.build(codec, records);
  }

  private byte[] key(Random random) {
    if (keySpace > 0) {
      return Batches.bytes("k" + random.nextInt(keySpace));
    }
    return random.nextInt(3) == 0 ? null : randomBytes(random, 1 + random.nextInt(16));
  }

  /**
   * Random bytes, half of the time compressible (runs of one byte) so that codecs have something to
   * do.
   */
  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    if (random.nextBoolean()) {
      random.nextBytes(bytes);
    } else {
      for (int i = 0; i < length; i++) {
        bytes[i] = (byte) ('a' + (i / 7 + length) % 26);
      }
    }
    return bytes;
  }
}
