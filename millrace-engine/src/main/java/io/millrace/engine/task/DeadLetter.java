package io.millrace.engine.task;

import io.millrace.log.format.LogRecord;
import java.util.List;

/**
 * A record that could not be processed or delivered, with the reason. The task adds the pipeline,
 * source and time headers when it writes it to the dead-letter topic.
 *
 * @param sourceOffset the offset of the input record concerned
 * @param key the key bytes as they were (the input record's for processing failures, the processed
 *     record's for delivery failures)
 * @param value the value bytes as they were
 * @param headers the record's own headers
 * @param step the processor or output that failed, e.g. {@code 2:validate} or {@code output:db}
 * @param errorClass a short error class, e.g. {@code BadData}, {@code SchemaViolation}
 * @param message the human-readable reason
 */
public record DeadLetter(
    long sourceOffset,
    byte[] key,
    byte[] value,
    List<LogRecord.Header> headers,
    long timestampMs,
    String step,
    String errorClass,
    String message) {

  public DeadLetter {
    headers = List.copyOf(headers);
  }

  /** A dead letter for an input record that failed in {@code step}. */
  public static DeadLetter of(LogRecord input, String step, String errorClass, String message) {
    return new DeadLetter(
        input.offset(),
        input.key(),
        input.value(),
        input.headers(),
        input.timestamp(),
        step,
        errorClass,
        message);
  }
}
