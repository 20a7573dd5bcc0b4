package io.millrace.engine.sink;

import io.millrace.log.format.LogRecord;
import java.util.List;

/**
 * One processed record on its way to a {@link Sink}, with the coordinates of the input record it
 * came from (for dead letters and for de-duplication downstream).
 *
 * @param key the key bytes (UTF-8 for JSON pipelines), or null
 * @param value the value bytes (a JSON document for JSON pipelines), or null for a delete
 * @param headers the record headers, in order
 */
public record SinkRecord(
    String sourceTopic,
    int sourcePartition,
    long sourceOffset,
    long timestampMs,
    byte[] key,
    byte[] value,
    List<LogRecord.Header> headers) {

  public SinkRecord {
    headers = List.copyOf(headers);
  }
}
