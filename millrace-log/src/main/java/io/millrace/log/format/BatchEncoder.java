package io.millrace.log.format;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes uncompressed record batches v2 into one reusable, growable buffer without allocating per
 * record: the write path of in-process producers (HTTP push, pull sources). Several batches can be
 * encoded back to back ({@link #beginBatch} … {@link #endBatch}) and handed to the log as slices.
 *
 * <p>Each record, after the batch header drawn in {@link BatchLayout}:
 *
 * <pre>
 *  length          varint   bytes of the record after this field
 *  attributes      int8     0 (unused in v2)
 *  timestampDelta  varlong  timestamp - baseTimestamp (baseTimestamp = the first record's)
 *  offsetDelta     varint   0, 1, 2, … within the batch
 *  keyLength       varint   -1 for a null key
 *  key             bytes
 *  valueLength     varint   -1 for a null value (a tombstone)
 *  value           bytes
 *  headersCount    varint
 *  per header: keyLength varint, key UTF-8, valueLength varint (-1 for null), value
 * </pre>
 *
 * The batch carries no producer id (-1), epoch (-1) or sequence (-1): the log assigns offsets and
 * the writer never retries an append, so idempotence buys nothing here.
 *
 * <p>Not thread-safe: one thread uses an encoder at a time (callers pool them).
 */
public final class BatchEncoder {

  private static final int INITIAL_CAPACITY = 16 * 1024;

  private final int maxCapacityBytes;
  private final CRC32C crc = new CRC32C();
  private ByteBuffer buffer;
  private int batchStart = -1;
  private int recordCount;
  private long baseTimestamp;
  private long maxTimestamp;

  /**
   * @param maxCapacityBytes the most the buffer may grow to; adding a record beyond it fails
   */
  public BatchEncoder(int maxCapacityBytes) {
    this.maxCapacityBytes = maxCapacityBytes;
    this.buffer = ByteBuffer.allocate(Math.min(INITIAL_CAPACITY, maxCapacityBytes));
  }

  /** Forgets every batch encoded so far; the buffer is kept for reuse. */
  public void reset() {
    buffer.clear();
    batchStart = -1;
  }

  /** Starts a new batch after the ones already encoded. */
  public void beginBatch() {
    if (batchStart >= 0) {
      throw new IllegalStateException("a batch is already open");
    }
    ensureRoom(BatchLayout.HEADER_SIZE);
    batchStart = buffer.position();
    buffer.position(batchStart + BatchLayout.HEADER_SIZE);
    recordCount = 0;
  }

  /**
   * Appends one record to the open batch.
   *
   * @return false if the buffer would grow past its maximum (nothing was written)
   */
  public boolean addRecord(
      long timestamp, byte[] key, byte[] value, List<LogRecord.Header> headers) {
    if (recordCount == 0) {
      baseTimestamp = timestamp;
      maxTimestamp = timestamp;
    }
    long timestampDelta = timestamp - baseTimestamp;
    int body =
        1
            + sizeOfVarlong(timestampDelta)
            + sizeOfVarint(recordCount)
            + sizeOfBytes(key)
            + sizeOfBytes(value)
            + sizeOfVarint(headers.size());
    for (int i = 0; i < headers.size(); i++) {
      LogRecord.Header header = headers.get(i);
      int keyLength = Utf8.encodedLength(header.key());
      body += sizeOfVarint(keyLength) + keyLength + sizeOfBytes(header.value());
    }
    int total = sizeOfVarint(body) + body;
    if (!tryEnsureRoom(total)) {
      return false;
    }
    writeVarint(body);
    buffer.put((byte) 0);
    writeVarlong(timestampDelta);
    writeVarint(recordCount);
    writeBytes(key);
    writeBytes(value);
    writeVarint(headers.size());
    for (int i = 0; i < headers.size(); i++) {
      LogRecord.Header header = headers.get(i);
      writeVarint(Utf8.encodedLength(header.key()));
      Utf8.write(header.key(), buffer);
      writeBytes(header.value());
    }
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    recordCount++;
    return true;
  }

  /** Records added to the open batch so far. */
  public int recordCount() {
    return recordCount;
  }

  /** Bytes of the open batch so far, its header included (0 when none is open). */
  public int openBatchBytes() {
    return batchStart < 0 ? 0 : buffer.position() - batchStart;
  }

  /**
   * At least the bytes {@link #addRecord} adds for this record to any batch: every varint at its
   * widest. Lets a caller close a batch before a record would take it past a size limit.
   */
  public static int maxRecordBytes(byte[] key, byte[] value, List<LogRecord.Header> headers) {
    // length (5) + attributes (1) + timestamp delta (10) + offset delta (5) + header count (5)
    int bytes = 26 + 5 + (key == null ? 0 : key.length) + 5 + (value == null ? 0 : value.length);
    for (int i = 0; i < headers.size(); i++) {
      LogRecord.Header header = headers.get(i);
      bytes += 5 + Utf8.encodedLength(header.key()) + 5;
      bytes += header.value() == null ? 0 : header.value().length;
    }
    return bytes;
  }

  /**
   * Closes the open batch: writes its header and CRC.
   *
   * @return the batch's start position in {@link #buffer()}; its size is {@link
   *     BatchLayout#sizeInBytes}
   */
  public int endBatch() {
    if (batchStart < 0 || recordCount == 0) {
      throw new IllegalStateException("no open batch with records");
    }
    int start = batchStart;
    int size = buffer.position() - start;
    buffer.putLong(start + BatchLayout.BASE_OFFSET, 0L);
    buffer.putInt(start + BatchLayout.BATCH_LENGTH, size - BatchLayout.LOG_OVERHEAD);
    buffer.putInt(start + BatchLayout.PARTITION_LEADER_EPOCH, -1);
    buffer.put(start + BatchLayout.MAGIC, BatchLayout.MAGIC_V2);
    buffer.putShort(start + BatchLayout.ATTRIBUTES, (short) 0);
    buffer.putInt(start + BatchLayout.LAST_OFFSET_DELTA, recordCount - 1);
    buffer.putLong(start + BatchLayout.BASE_TIMESTAMP, baseTimestamp);
    buffer.putLong(start + BatchLayout.MAX_TIMESTAMP, maxTimestamp);
    buffer.putLong(start + BatchLayout.PRODUCER_ID, -1L);
    buffer.putShort(start + BatchLayout.PRODUCER_EPOCH, (short) -1);
    buffer.putInt(start + BatchLayout.BASE_SEQUENCE, -1);
    buffer.putInt(start + BatchLayout.RECORDS_COUNT, recordCount);
    crc.reset();
    crc.update(buffer.slice(start + BatchLayout.ATTRIBUTES, size - BatchLayout.ATTRIBUTES));
    buffer.putInt(start + BatchLayout.CRC, (int) crc.getValue());
    batchStart = -1;
    return start;
  }

  /** Drops the open batch (its records are forgotten). */
  public void abortBatch() {
    if (batchStart >= 0) {
      buffer.position(batchStart);
      batchStart = -1;
    }
  }

  /**
   * The buffer holding the encoded batches from position 0. Valid until the next call that adds to
   * it (it may be replaced when it grows).
   */
  public ByteBuffer buffer() {
    return buffer;
  }

  /** A writable view of one finished batch, as {@link io.millrace.log} appends take it. */
  public ByteBuffer batch(int start) {
    return buffer.slice(start, BatchLayout.sizeInBytes(buffer, start));
  }

  // ------------------------------------------------------------------------------ encoding

  private void ensureRoom(int bytes) {
    if (!tryEnsureRoom(bytes)) {
      throw new IllegalStateException("encoder buffer is full at " + maxCapacityBytes + " bytes");
    }
  }

  private boolean tryEnsureRoom(int bytes) {
    if (buffer.remaining() >= bytes) {
      return true;
    }
    long needed = (long) buffer.position() + bytes;
    if (needed > maxCapacityBytes) {
      return false;
    }
    int capacity = (int) Math.min(maxCapacityBytes, Math.max(needed, 2L * buffer.capacity()));
    ByteBuffer grown = ByteBuffer.allocate(capacity);
    grown.put(buffer.flip());
    buffer = grown;
    return true;
  }

  private static int sizeOfBytes(byte[] bytes) {
    return bytes == null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
  }

  private void writeBytes(byte[] bytes) {
    if (bytes == null) {
      writeVarint(-1);
    } else {
      writeVarint(bytes.length);
      buffer.put(bytes);
    }
  }

  static int sizeOfVarint(int value) {
    int zigzag = (value << 1) ^ (value >> 31);
    int bytes = 1;
    while ((zigzag & 0xffffff80) != 0) {
      bytes++;
      zigzag >>>= 7;
    }
    return bytes;
  }

  static int sizeOfVarlong(long value) {
    long zigzag = (value << 1) ^ (value >> 63);
    int bytes = 1;
    while ((zigzag & 0xffffffffffffff80L) != 0L) {
      bytes++;
      zigzag >>>= 7;
    }
    return bytes;
  }

  private void writeVarint(int value) {
    int zigzag = (value << 1) ^ (value >> 31);
    while ((zigzag & 0xffffff80) != 0) {
      buffer.put((byte) ((zigzag & 0x7f) | 0x80));
      zigzag >>>= 7;
    }
    buffer.put((byte) zigzag);
  }

  private void writeVarlong(long value) {
    long zigzag = (value << 1) ^ (value >> 63);
    while ((zigzag & 0xffffffffffffff80L) != 0L) {
      buffer.put((byte) ((zigzag & 0x7f) | 0x80));
      zigzag >>>= 7;
    }
    buffer.put((byte) zigzag);
  }
}
