package io.millrace.log.format;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks record batches offered for append before the log accepts any of them: framing, magic, size
 * limit, CRC-32C, and the structure of every record inside (offset deltas in sequence, lengths that
 * add up, keys present when the topic is compacted). Compressed batches are decompressed to check
 * their records, as a Kafka broker does; they are still stored compressed.
 *
 * <p>Not thread-safe: one instance per appending thread (it reuses a decompression buffer pool).
 */
public final class BatchValidator {

  private final BufferSupplier decompressionBuffers = BufferSupplier.create();

  /** The outcome of validating one buffer of batches; {@code message} is null when valid. */
  public record Result(BatchError error, String message, int batchCount, int recordCount) {
    public boolean isValid() {
      return error == BatchError.NONE;
    }
  }

  /**
   * Validates every batch in {@code batches} from its position to its limit.
   *
   * @param maxBatchBytes the largest batch accepted (the topic's max.message.bytes)
   * @param keyRequired true for compacted topics, where a record without a key is refused
   */
  public Result validate(ByteBuffer batches, int maxBatchBytes, boolean keyRequired) {
    int position = batches.position();
    int end = batches.limit();
    if (position == end) {
      return new Result(BatchError.INVALID_RECORD, "no record batches in the request", 0, 0);
    }
    int batchCount = 0;
    int recordCount = 0;
    while (position < end) {
      int remaining = end - position;
      if (remaining < BatchLayout.HEADER_SIZE) {
        return invalid(BatchError.CORRUPT, "truncated batch header", batchCount);
      }
      int size = BatchLayout.sizeInBytes(batches, position);
      if (size < BatchLayout.HEADER_SIZE || size > remaining) {
        return invalid(
            BatchError.CORRUPT,
            "batch length " + size + " does not fit the " + remaining + " bytes left",
            batchCount);
      }
      if (BatchLayout.magic(batches, position) != BatchLayout.MAGIC_V2) {
        return invalid(
            BatchError.UNSUPPORTED_VERSION,
            "record batch magic " + BatchLayout.magic(batches, position) + " (only 2 is stored)",
            batchCount);
      }
      if (size > maxBatchBytes) {
        return invalid(
            BatchError.TOO_LARGE,
            "batch of " + size + " bytes exceeds max.message.bytes " + maxBatchBytes,
            batchCount);
      }
      if (BatchLayout.computeCrc(batches, position, size)
          != BatchLayout.storedCrc(batches, position)) {
        return invalid(BatchError.CORRUPT, "CRC-32C mismatch", batchCount);
      }
      String recordProblem = checkRecords(batches, position, size, keyRequired);
      if (recordProblem != null) {
        return invalid(BatchError.INVALID_RECORD, recordProblem, batchCount);
      }
      recordCount += BatchLayout.recordsCount(batches, position);
      batchCount++;
      position += size;
    }
    return new Result(BatchError.NONE, null, batchCount, recordCount);
  }

  private static Result invalid(BatchError error, String message, int batchIndex) {
    return new Result(error, "batch " + batchIndex + ": " + message, 0, 0);
  }

  /** Returns null when the records are well formed, else what is wrong. */
  private String checkRecords(ByteBuffer buffer, int batchStart, int size, boolean keyRequired) {
    int count = BatchLayout.recordsCount(buffer, batchStart);
    if (count <= 0) {
      return "a batch must hold at least one record, found " + count;
    }
    if (BatchLayout.lastOffsetDelta(buffer, batchStart) != count - 1) {
      return "lastOffsetDelta "
          + BatchLayout.lastOffsetDelta(buffer, batchStart)
          + " does not match "
          + count
          + " records";
    }
    if (BatchLayout.isControl(buffer, batchStart)) {
      return "control batches are written by the log, not by clients";
    }
    if (BatchLayout.compressionId(buffer, batchStart) == 0) {
      if (buffer.hasArray()
          && isCommonShape(
              buffer.array(),
              buffer.arrayOffset() + batchStart + BatchLayout.RECORDS,
              buffer.arrayOffset() + batchStart + size,
              count,
              keyRequired)) {
        return null;
      }
      return checkUncompressedRecords(buffer, batchStart, size, count, keyRequired);
    }
    return checkCompressedRecords(buffer, batchStart, size, count, keyRequired);
  }

  /**
   * The fast path for uncompressed records: true if every record has the common shape — each varint
   * of one or two bytes, no headers — and is well formed, so {@link #checkUncompressedRecords}
   * would accept the batch too. False means "not proven": the batch may still be valid (a longer
   * varint, a header) or not, and the full walk decides and says why. It only ever accepts, so what
   * is refused, and every message, is the full walk's.
   *
   * <p>Why it is faster: it reads the backing array (one bounds check per byte), and a field's
   * position depends only on the sizes of the varints before it, which are branches the CPU
   * predicts, not on the bytes loaded; the next record's position depends only on this record's
   * length. So the checks of consecutive records overlap instead of waiting on each other's loads.
   *
   * @param start array index of the first record
   * @param end array index just after the batch
   */
  private static boolean isCommonShape(
      byte[] array, int start, int end, int count, boolean keyRequired) {
    int position = start;
    for (int i = 0; i < count; i++) {
      int lengthSize = shortVarintSize(array, position, end);
      if (lengthSize < 0) {
        return false;
      }
      int bodyStart = position + lengthSize;
      int bodyLength = shortVarint(array, position, lengthSize);
      // At least attributes and five one-byte varints; then the first three reads stay inside.
      if (bodyLength < 6 || bodyLength > end - bodyStart) {
        return false;
      }
      int bodyEnd = bodyStart + bodyLength;
      if (!isCommonShapeBody(array, bodyStart, bodyEnd, i, keyRequired)) {
        return false;
      }
      position = bodyEnd;
    }
    return position == end;
  }

  /** {@link #isCommonShape} for the body [bodyStart, bodyEnd) of record {@code index}. */
  private static boolean isCommonShapeBody(
      byte[] array, int bodyStart, int bodyEnd, int index, boolean keyRequired) {
    int at = bodyStart + 1; // attributes
    int timestampDeltaSize = shortVarintSize(array, at, bodyEnd);
    if (timestampDeltaSize < 0) {
      return false;
    }
    at += timestampDeltaSize;
    int offsetDeltaSize = shortVarintSize(array, at, bodyEnd);
    if (offsetDeltaSize < 0 || shortVarint(array, at, offsetDeltaSize) != index) {
      return false;
    }
    at += offsetDeltaSize;
    int keyLengthSize = shortVarintSize(array, at, bodyEnd);
    if (keyLengthSize < 0) {
      return false;
    }
    int keyLength = shortVarint(array, at, keyLengthSize);
    at += keyLengthSize;
    if (keyLength < 0 ? keyRequired : keyLength > bodyEnd - at) {
      return false;
    }
    at += Math.max(keyLength, 0);
    int valueLengthSize = shortVarintSize(array, at, bodyEnd);
    if (valueLengthSize < 0) {
      return false;
    }
    int valueLength = shortVarint(array, at, valueLengthSize);
    at += valueLengthSize;
    if (valueLength > bodyEnd - at) {
      return false;
    }
    at += Math.max(valueLength, 0);
    // The header count: the single byte 0, and the record's last byte.
    return at == bodyEnd - 1 && array[at] == 0;
  }

  /**
   * The size of the varint at {@code position} if it is one or two bytes long and ends before
   * {@code limit}, else -1.
   */
  private static int shortVarintSize(byte[] array, int position, int limit) {
    if (position >= limit) {
      return -1;
    }
    if (array[position] >= 0) {
      return 1;
    }
    return position + 1 < limit && array[position + 1] >= 0 ? 2 : -1;
  }

  /** The zig-zag decoded value of the varint of {@code size} (1 or 2) bytes at {@code position}. */
  private static int shortVarint(byte[] array, int position, int size) {
    int raw = size == 1 ? array[position] : (array[position] & 0x7f) | (array[position + 1] << 7);
    return (raw >>> 1) ^ -(raw & 1);
  }

  /**
   * Walks each record's varint framing without allocating:
   *
   * <pre>
   * length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
   * keyLength varint | key | valueLength varint | value | headerCount varint |
   * (headerKeyLength varint | headerKey | headerValueLength varint | headerValue)*
   * </pre>
   */
  private String checkUncompressedRecords(
      ByteBuffer buffer, int batchStart, int size, int count, boolean keyRequired) {
    // Local cursors on purpose: they do not escape, so the JIT keeps their fields in registers
    // instead of storing them to memory after every varint (as fields of this object they were).
    Varints.Cursor c =
        new Varints.Cursor().reset(batchStart + BatchLayout.RECORDS, batchStart + size);
    Varints.Cursor recordCursor = new Varints.Cursor();
    for (int i = 0; i < count; i++) {
      long length = c.readVarint(buffer);
      int recordStart = c.position;
      if (!c.ok() || length <= 0 || length > c.limit - c.position) {
        return "record " + i + ": bad length";
      }
      Varints.Cursor body = recordCursor.reset(recordStart, recordStart + (int) length);
      body.skip(1); // attributes
      body.readVarlong(buffer); // timestamp delta
      long offsetDelta = body.readVarint(buffer);
      if (body.ok() && offsetDelta != i) {
        return "record " + i + ": offset delta " + offsetDelta;
      }
      long keyLength = body.readVarint(buffer);
      if (body.ok() && keyLength < 0 && keyRequired) {
        return "record " + i + ": compacted topics need a key on every record";
      }
      body.skip(Math.max(keyLength, 0));
      long valueLength = body.readVarint(buffer);
      body.skip(Math.max(valueLength, 0));
      long headerCount = body.readVarint(buffer);
      if (headerCount < 0) {
        return "record " + i + ": negative header count";
      }
      for (long h = 0; h < headerCount && body.ok(); h++) {
        long headerKeyLength = body.readVarint(buffer);
        if (headerKeyLength < 0) {
          return "record " + i + ": header without a key";
        }
        body.skip(headerKeyLength);
        body.skip(Math.max(body.readVarint(buffer), 0));
      }
      if (!body.ok() || body.position != body.limit) {
        return "record " + i + ": fields do not add up to its length";
      }
      c.position = body.limit;
    }
    if (c.position != batchStart + size) {
      return (batchStart + size - c.position) + " bytes after the last record";
    }
    return null;
  }

  private String checkCompressedRecords(
      ByteBuffer buffer, int batchStart, int size, int count, boolean keyRequired) {
    RecordBatch batch = RecordBatches.view(buffer.slice(batchStart, size));
    int expectedDelta = 0;
    try (CloseableIterator<Record> records = batch.streamingIterator(decompressionBuffers)) {
      while (records.hasNext()) {
        Record record = records.next();
        long delta = record.offset() - batch.baseOffset();
        if (delta != expectedDelta) {
          return "record " + expectedDelta + ": offset delta " + delta;
        }
        if (keyRequired && !record.hasKey()) {
          return "record " + expectedDelta + ": compacted topics need a key on every record";
        }
        expectedDelta++;
      }
    } catch (RuntimeException | Error e) {
      // Decompressors report bad input with Errors too (snappy-java throws SnappyError), and
      // these bytes come from a client: refuse the batch, never let its bytes unwind the caller.
      // Errors of the JVM itself (out of memory, stack overflow) are not about the batch.
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      return "cannot decompress or parse records: " + e;
    }
    if (expectedDelta != count) {
      return "header says " + count + " records, found " + expectedDelta;
    }
    return null;
  }
}
