package io.millrace.engine.task;

/**
 * Limits and policies of a {@link PartitionTask}.
 *
 * @param pipeline the name written into dead-letter headers and log lines
 * @param deadLetterTopic the topic for records that fail, or null to count and drop them
 * @param maxReadBytes how many bytes of batches one step reads (always at least one whole batch)
 * @param maxInFlightBatches batches processed and written but not yet durable; beyond this the task
 *     stops reading, so a slow output slows input and memory stays bounded
 * @param maxRecordsPerWrite the most records one append carries (larger outputs are split)
 * @param maxRetries how often a write the log failed (disk error) is retried before the task fails
 * @param backoffMs the first backoff between those retries; it doubles each time, with jitter
 */
public record TaskOptions(
    String pipeline,
    String deadLetterTopic,
    int maxReadBytes,
    int maxInFlightBatches,
    int maxRecordsPerWrite,
    int maxRetries,
    long backoffMs) {

  public static final int DEFAULT_MAX_READ_BYTES = 1 << 20;
  public static final int DEFAULT_MAX_IN_FLIGHT_BATCHES = 8;
  public static final int DEFAULT_MAX_RECORDS_PER_WRITE = 10_000;

  /** The longest single backoff, however many retries came before. */
  public static final long MAX_BACKOFF_MS = 60_000;

  public TaskOptions {
    if (maxReadBytes < 1024 || maxInFlightBatches < 1 || maxRecordsPerWrite < 1) {
      throw new IllegalArgumentException(
          "maxReadBytes >= 1024, maxInFlightBatches >= 1 and maxRecordsPerWrite >= 1 required");
    }
    if (maxRetries < 0 || backoffMs < 0) {
      throw new IllegalArgumentException("maxRetries and backoffMs must not be negative");
    }
  }

  public static TaskOptions defaults(
      String pipeline, String deadLetterTopic, int maxRetries, long backoffMs) {
    return new TaskOptions(
        pipeline,
        deadLetterTopic,
        DEFAULT_MAX_READ_BYTES,
        DEFAULT_MAX_IN_FLIGHT_BATCHES,
        DEFAULT_MAX_RECORDS_PER_WRITE,
        maxRetries,
        backoffMs);
  }

  /** The backoff before retry {@code attempt} (1-based): doubling, capped, with full jitter. */
  long backoffMs(int attempt, double random) {
    long ceiling = backoffMs << Math.min(attempt - 1, 20);
    if (ceiling <= 0 || ceiling > MAX_BACKOFF_MS) {
      ceiling = MAX_BACKOFF_MS;
    }
    return (long) (random * (ceiling + 1));
  }
}
