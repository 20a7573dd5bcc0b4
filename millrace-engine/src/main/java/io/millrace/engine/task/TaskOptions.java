package io.millrace.engine.task;

import io.millrace.common.RetryPolicy;

/**
 * Limits and policies of a {@link PartitionTask}.
 *
 * @param pipeline the name written into dead-letter headers and log lines
 * @param deadLetterTopic the topic for records that fail, or null to count and drop them
 * @param maxReadBytes how many bytes of batches one step reads (always at least one whole batch)
 * @param maxInFlightBatches batches processed and written but not yet durable; beyond this the task
 *     stops reading, so a slow output slows input and memory stays bounded
 * @param maxRecordsPerWrite the most records one append carries (larger outputs are split)
 * @param writeRetries how a write the log failed (disk error) is retried before the task fails: the
 *     shared exponential backoff with full jitter (the same policy its sinks retry with)
 */
public record TaskOptions(
    String pipeline,
    String deadLetterTopic,
    int maxReadBytes,
    int maxInFlightBatches,
    int maxRecordsPerWrite,
    RetryPolicy writeRetries) {

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
    if (writeRetries == null) {
      throw new IllegalArgumentException("writeRetries is required");
    }
  }

  public static TaskOptions defaults(
      String pipeline, String deadLetterTopic, RetryPolicy writeRetries) {
    return new TaskOptions(
        pipeline,
        deadLetterTopic,
        DEFAULT_MAX_READ_BYTES,
        DEFAULT_MAX_IN_FLIGHT_BATCHES,
        DEFAULT_MAX_RECORDS_PER_WRITE,
        writeRetries);
  }
}
