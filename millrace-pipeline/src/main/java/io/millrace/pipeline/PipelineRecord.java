package io.millrace.pipeline;

import java.util.Map;

/**
 * One record as processors see it: the source coordinates (topic, partition, offset), the
 * timestamp, the key, the headers and the decoded value. Immutable by contract: processors never
 * change a record or its value in place; they return new records (see {@link Values} for copy
 * helpers), so a record can be shared between outputs and kept for a dead letter.
 *
 * @param key null when the record has none
 * @param value a {@code Map<String, Object>} for json and csv input, a {@code String} for text;
 *     nested values are {@code String}, {@code Long}, {@code Double}, {@code Boolean}, {@code
 *     null}, {@code List<Object>} or {@code Map<String, Object>} (see {@link Values})
 */
public record PipelineRecord(
    String topic,
    int partition,
    long offset,
    long timestampMs,
    String key,
    Map<String, String> headers,
    Object value) {

  public PipelineRecord {
    headers = Map.copyOf(headers);
  }

  public PipelineRecord withValue(Object newValue) {
    return new PipelineRecord(topic, partition, offset, timestampMs, key, headers, newValue);
  }

  public PipelineRecord withKey(String newKey) {
    return new PipelineRecord(topic, partition, offset, timestampMs, newKey, headers, value);
  }

  /** The value as a map, or null when it is not one (text input before a parse). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> valueMap() {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
  }
}
