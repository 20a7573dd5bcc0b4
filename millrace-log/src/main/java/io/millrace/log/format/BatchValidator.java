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
 * <p>Not thread-safe: one instance per appending thread (it reuses a cursor and a buffer pool).
 */
public final class BatchValidator {

  private final Varints.Cursor cursor = new Varints.Cursor();
  private final Varints.Cursor recordCursor = new Varints.Cursor();
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
      return checkUncompressedRecords(buffer, batchStart, size, count, keyRequired);
    }
    return checkCompressedRecords(buffer, batchStart, size, count, keyRequired);
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
    Varints.Cursor c = cursor.reset(batchStart + BatchLayout.RECORDS, batchStart + size);
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
