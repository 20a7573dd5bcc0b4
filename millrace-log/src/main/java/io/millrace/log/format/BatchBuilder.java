package io.millrace.log.format;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Builds one record batch v2 from records, as a producer would. The base offset written here is a
 * placeholder: the log assigns real offsets on append. Used by the offset store, the CLI, tests and
 * benchmarks.
 */
public final class BatchBuilder {

  /** A record to put in a batch. */
  public record NewRecord(
      long timestamp, byte[] key, byte[] value, List<LogRecord.Header> headers) {
    public NewRecord(long timestamp, byte[] key, byte[] value) {
      this(timestamp, key, value, List.of());
    }
  }

  private BatchBuilder() {}

  /** One batch holding {@code records} in order, compressed with {@code codec}. */
  public static ByteBuffer build(Codec codec, List<NewRecord> records) {
    return build(
        codec,
        RecordBatch.NO_PRODUCER_ID,
        RecordBatch.NO_PRODUCER_EPOCH,
        RecordBatch.NO_SEQUENCE,
        records);
  }

  /**
   * One batch from an idempotent producer: {@code baseSequence} numbers its first record, as a
   * Kafka producer numbers them per partition.
   */
  public static ByteBuffer build(
      Codec codec,
      long producerId,
      short producerEpoch,
      int baseSequence,
      List<NewRecord> records) {
    if (records.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one record");
    }
    int estimate = BatchLayout.HEADER_SIZE;
    for (NewRecord record : records) {
      estimate += 32 + length(record.key()) + length(record.value());
      for (LogRecord.Header header : record.headers()) {
        estimate += 16 + header.key().length() * 3 + length(header.value());
      }
    }
    MemoryRecordsBuilder builder =
        new MemoryRecordsBuilder(
            ByteBuffer.allocate(estimate),
            RecordBatch.MAGIC_VALUE_V2,
            codec.compression(),
            TimestampType.CREATE_TIME,
            0L,
            RecordBatch.NO_TIMESTAMP,
            producerId,
            producerEpoch,
            baseSequence,
            false,
            false,
            RecordBatch.NO_PARTITION_LEADER_EPOCH,
            Integer.MAX_VALUE);
    for (NewRecord record : records) {
      builder.append(record.timestamp(), record.key(), record.value(), kafkaHeaders(record));
    }
    return builder.build().buffer();
  }

  private static org.apache.kafka.common.header.Header[] kafkaHeaders(NewRecord record) {
    org.apache.kafka.common.header.Header[] headers =
        new org.apache.kafka.common.header.Header[record.headers().size()];
    for (int i = 0; i < headers.length; i++) {
      LogRecord.Header header = record.headers().get(i);
      headers[i] = new RecordHeader(header.key(), header.value());
    }
    return headers;
  }

  private static int length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }
}
