package io.millrace.pipeline.definition;

/**
 * What happens to a record a processor cannot handle (bad data, failed expression, schema
 * violation): it is retried {@code maxRetries} times with {@code backoffMs} between tries for
 * environment failures, and bad records go to the dead-letter topic with the reason.
 *
 * @param deadLetterTopic null when none is configured: bad records are then counted and dropped
 */
public record ErrorPolicy(TopicRef deadLetterTopic, int maxRetries, long backoffMs) {

  public static final int MAX_RETRIES = 100;
  public static final long MAX_BACKOFF_MS = 600_000;

  public static ErrorPolicy defaults() {
    return new ErrorPolicy(null, 3, 100);
  }
}
