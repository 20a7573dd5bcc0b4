package io.millrace.log.write;

import io.millrace.log.format.LogRecord;
import java.util.List;

/**
 * One record to write through a {@link TopicWriter}. The writer reads the arrays while it encodes
 * and keeps no reference afterwards; callers must not change them during the call.
 *
 * @param partition the partition to write to, or {@link #ANY_PARTITION} to let the writer choose
 *     (by the key's murmur2 hash as a Kafka producer would, else sticky per call)
 * @param key the key bytes, or null
 * @param value the value bytes, or null (a tombstone on compacted topics)
 * @param headers record headers, in order
 * @param timestampMs the record's create time, or {@link #NOW} for the log's clock at write time
 */
public record WriteRecord(
    int partition, byte[] key, byte[] value, List<LogRecord.Header> headers, long timestampMs) {

  public static final int ANY_PARTITION = -1;
  public static final long NOW = -1L;

  public WriteRecord {
    if (headers == null) {
      throw new IllegalArgumentException("headers must not be null (use List.of())");
    }
  }

  /** A record with no headers, placed by its key, stamped with the write time. */
  public static WriteRecord of(byte[] key, byte[] value) {
    return new WriteRecord(ANY_PARTITION, key, value, List.of(), NOW);
  }
}
