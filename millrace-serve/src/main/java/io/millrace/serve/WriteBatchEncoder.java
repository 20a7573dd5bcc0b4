package io.millrace.serve;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds a RocksDB write batch in Java, in RocksDB's own serialized form, so that a whole batch of
 * changelog records crosses into native code in one call ({@code new WriteBatch(byte[])}) instead
 * of one JNI call per put. It is the format of RocksDB's write-ahead log, stable across releases:
 *
 * <pre>
 * batch  := sequence: fixed64 LE (0; RocksDB sets it) | count: fixed32 LE | record[count]
 * record := 0x01 key value                          a put into the default column family
 *         | 0x00 key                                a delete from the default column family
 *         | 0x05 family: varint32 key value          a put into another column family
 * key, value := length: varint32 | bytes
 * </pre>
 *
 * A row's value is written as the index stores it (see {@link ViewIndex}): timestamp, offset and
 * partition big-endian, then the record's value bytes, without building the row as an array first.
 *
 * <p>Not thread-safe: one per writer, reused across batches.
 */
final class WriteBatchEncoder {

  static final int HEADER_BYTES = 12;
  private static final byte PUT = 0x01;
  private static final byte DELETE = 0x00;
  private static final byte FAMILY_PUT = 0x05;

  private byte[] bytes = new byte[64 * 1024];
  private int length;
  private int count;

  WriteBatchEncoder() {
    reset();
  }

  void reset() {
    Arrays.fill(bytes, 0, HEADER_BYTES, (byte) 0);
    length = HEADER_BYTES;
    count = 0;
  }

  int count() {
    return count;
  }

  /** A row of the default column family: header fields, then {@code value}. */
  void putRow(byte[] key, long timestampMs, long offset, int partition, byte[] value) {
    int valueLength = ViewIndex.HEADER_BYTES + value.length;
    ensureCapacity(1 + 10 + key.length + valueLength);
    bytes[length++] = PUT;
    writeSlice(key);
    writeVarint(valueLength);
    writeLong(timestampMs);
    writeLong(offset);
    writeInt(partition);
    System.arraycopy(value, 0, bytes, length, value.length);
    length += value.length;
    count++;
  }

  /** {@link #putRow(byte[], long, long, int, byte[])} from buffers (position to limit). */
  void putRow(ByteBuffer key, long timestampMs, long offset, int partition, ByteBuffer value) {
    int valueLength = ViewIndex.HEADER_BYTES + value.remaining();
    ensureCapacity(1 + 10 + key.remaining() + valueLength);
    bytes[length++] = PUT;
    writeSlice(key);
    writeVarint(valueLength);
    writeLong(timestampMs);
    writeLong(offset);
    writeInt(partition);
    int n = value.remaining();
    value.duplicate().get(bytes, length, n);
    length += n;
    count++;
  }

  void delete(ByteBuffer key) {
    ensureCapacity(1 + 5 + key.remaining());
    bytes[length++] = DELETE;
    writeSlice(key);
    count++;
  }

  void delete(byte[] key) {
    ensureCapacity(1 + 5 + key.length);
    bytes[length++] = DELETE;
    writeSlice(key);
    count++;
  }

  void put(int family, byte[] key, byte[] value) {
    ensureCapacity(1 + 5 + 10 + key.length + value.length);
    bytes[length++] = FAMILY_PUT;
    writeVarint(family);
    writeSlice(key);
    writeSlice(value);
    count++;
  }

  /** The serialized batch (a copy: RocksDB takes the whole array). */
  byte[] toByteArray() {
    bytes[8] = (byte) count;
    bytes[9] = (byte) (count >>> 8);
    bytes[10] = (byte) (count >>> 16);
    bytes[11] = (byte) (count >>> 24);
    return Arrays.copyOf(bytes, length);
  }

  private void writeSlice(byte[] slice) {
    writeVarint(slice.length);
    System.arraycopy(slice, 0, bytes, length, slice.length);
    length += slice.length;
  }

  private void writeSlice(ByteBuffer slice) {
    int n = slice.remaining();
    writeVarint(n);
    slice.duplicate().get(bytes, length, n);
    length += n;
  }

  private void writeVarint(int value) {
    while ((value & ~0x7F) != 0) {
      bytes[length++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    bytes[length++] = (byte) value;
  }

  private void writeLong(long value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      bytes[length++] = (byte) (value >>> shift);
    }
  }

  private void writeInt(int value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes[length++] = (byte) (value >>> shift);
    }
  }

  private void ensureCapacity(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
