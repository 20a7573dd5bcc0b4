package io.millrace.log.format;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * Reads records out of stored batches (decompressing where needed). This is the record-level,
 * allocating path: for tests, tools, the offset store and compaction, not for fetch, which sends
 * batches as bytes.
 */
public final class RecordBatches {

  private RecordBatches() {}

  /** Every record of every data batch between the buffer's position and limit. */
  public static List<LogRecord> records(ByteBuffer batches) {
    List<LogRecord> out = new ArrayList<>();
    for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.duplicate()).batches()) {
      if (batch.isControlBatch()) {
        continue;
      }
      for (Record record : batch) {
        out.add(toLogRecord(record));
      }
    }
    return out;
  }

  /** Receives the records of stored batches one at a time (see {@link #forEachRecord}). */
  @FunctionalInterface
  public interface RecordVisitor {
    /**
     * One record. {@code key} and {@code value} are read-only views of the (decompressed) batch,
     * valid only during the call; null when absent. Headers are not decoded.
     */
    void onRecord(long offset, long timestamp, ByteBuffer key, ByteBuffer value);
  }

  /**
   * Hands every record of every data batch between the buffer's position and limit to {@code
   * visitor}, in offset order, without building a {@link LogRecord} or copying keys and values: the
   * path for readers that consume records in bulk (the view indexer).
   */
  public static void forEachRecord(ByteBuffer batches, RecordVisitor visitor) {
    for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.duplicate()).batches()) {
      if (batch.isControlBatch()) {
        continue;
      }
      for (Record record : batch) {
        visitor.onRecord(record.offset(), record.timestamp(), record.key(), record.value());
      }
    }
  }

  /**
   * The offset of the first record at or after {@code fromOffset} whose timestamp is at least
   * {@code timestampMs}, or -1 if none of these batches has one.
   */
  public static long firstOffsetWithTimestamp(
      ByteBuffer batches, long fromOffset, long timestampMs) {
    for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.duplicate()).batches()) {
      if (batch.maxTimestamp() < timestampMs || batch.lastOffset() < fromOffset) {
        continue;
      }
      if (batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME) {
        return Math.max(batch.baseOffset(), fromOffset);
      }
      for (Record record : batch) {
        if (record.offset() >= fromOffset && record.timestamp() >= timestampMs) {
          return record.offset();
        }
      }
    }
    return -1;
  }

  /** Kafka's view of the single batch held in {@code batch} (position to limit). */
  static MutableRecordBatch view(ByteBuffer batch) {
    return MemoryRecords.readableRecords(batch).batches().iterator().next();
  }

  static LogRecord toLogRecord(Record record) {
    Header[] kafkaHeaders = record.headers();
    List<LogRecord.Header> headers = new ArrayList<>(kafkaHeaders.length);
    for (Header header : kafkaHeaders) {
      headers.add(new LogRecord.Header(header.key(), header.value()));
    }
    return new LogRecord(
        record.offset(),
        record.timestamp(),
        LogRecord.bytesOf(record.key()),
        LogRecord.bytesOf(record.value()),
        headers);
  }
}
