package io.millrace.log.testing;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.BatchLayout;
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

  /**
   * One batch compressed with {@code codec} with a record "key-i" / "value-i" per timestamp, in
   * order (timestamps need not grow).
   */
  public static ByteBuffer withTimestamps(Codec codec, long... timestamps) {
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    for (int i = 0; i < timestamps.length; i++) {
      records.add(
          new BatchBuilder.NewRecord(timestamps[i], bytes("key-" + i), bytes("value-" + i)));
    }
    return BatchBuilder.build(codec, records);
  }

  /** The batches one after another in a new buffer (position 0, limit = total size). */
  public static ByteBuffer concat(ByteBuffer... batches) {
    int total = 0;
    for (ByteBuffer batch : batches) {
      total += batch.remaining();
    }
    ByteBuffer out = ByteBuffer.allocate(total);
    for (ByteBuffer batch : batches) {
      out.put(batch.duplicate());
    }
    return out.flip();
  }

  /** A writable copy of the buffer's remaining bytes (position 0). */
  public static ByteBuffer copy(ByteBuffer buffer) {
    return ByteBuffer.allocate(buffer.remaining()).put(buffer.duplicate()).flip();
  }

  /**
   * Stores the right CRC in the batch at {@code batchStart}, so that a test can damage the records
   * inside a batch and still get past the checksum.
   */
  public static void recomputeCrc(ByteBuffer buffer, int batchStart) {
    int size = BatchLayout.sizeInBytes(buffer, batchStart);
    buffer.putInt(
        batchStart + BatchLayout.CRC, (int) BatchLayout.computeCrc(buffer, batchStart, size));
  }

  public static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
