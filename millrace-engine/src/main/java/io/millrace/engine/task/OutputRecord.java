package io.millrace.engine.task;

import io.millrace.log.format.LogRecord;
import java.util.List;

/**
 * A processed record bound for an output.
 *
 * @param sourceOffset the offset of the input record it was made from
 * @param key the key bytes, or null
 * @param value the value bytes, or null (a delete for views and upserting sinks)
 * @param headers record headers, in order
 * @param timestampMs the record's timestamp (usually the input record's)
 */
public record OutputRecord(
    long sourceOffset, byte[] key, byte[] value, List<LogRecord.Header> headers, long timestampMs) {

  public OutputRecord {
    headers = List.copyOf(headers);
  }
}
