package io.millrace.log.testing;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds record batches for tests and benchmarks. */
public final class Batches {

  private Batches() {}

  /**
   * A batch of {@code count} records "key-i" / "value-i" with timestamps starting at {@code ts}.
   */
  public static ByteBuffer numbered(int first, int count, long timestamp) {
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      records.add(
          new BatchBuilder.NewRecord(
              timestamp + (i - first), bytes("key-" + i), bytes("value-" + i)));
    }
    return BatchBuilder.build(Codec.NONE, records);
  }

  /** One batch with one keyed record; a null value makes a tombstone. */
  public static ByteBuffer keyed(String key, String value, long timestamp) {
    return BatchBuilder.build(
        Codec.NONE,
        List.of(
            new BatchBuilder.NewRecord(
                timestamp, bytes(key), value == null ? null : bytes(value))));
  }

  /** A batch of {@code count} records with random values of {@code valueBytes} each. */
  public static ByteBuffer random(
      Random random, Codec codec, int count, int valueBytes, long timestamp) {
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] value = new byte[valueBytes];
      random.nextBytes(value);
      byte[] key = random.nextBoolean() ? bytes("k" + random.nextInt(1000)) : null;
      List<LogRecord.Header> headers =
          random.nextInt(4) == 0 ? List.of(new LogRecord.Header("h", bytes("v" + i))) : List.of();
      records.add(new BatchBuilder.NewRecord(timestamp + i, key, value, headers));
    }
    return BatchBuilder.build(codec, records);
  }

  public static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
