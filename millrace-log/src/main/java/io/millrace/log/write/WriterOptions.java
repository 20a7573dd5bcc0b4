package io.millrace.log.write;

/**
 * Limits of a {@link TopicWriter}.
 *
 * @param maxPendingBytes bytes appended but not yet durable, over all partitions, beyond which
 *     writes are refused with {@link WriteStatus#BACK_PRESSURED}
 * @param maxPendingBytesPerPartition the same limit for one partition, so one slow or hot partition
 *     cannot take the whole budget
 * @param maxRecordsPerWrite the most records one call may carry
 * @param maxBytesPerWrite the most encoded bytes one call may carry (all its batches)
 */
public record WriterOptions(
    long maxPendingBytes,
    long maxPendingBytesPerPartition,
    int maxRecordsPerWrite,
    int maxBytesPerWrite) {

  public static final WriterOptions DEFAULTS =
      new WriterOptions(256L << 20, 64L << 20, 100_000, 16 << 20);

  public WriterOptions {
    require(maxPendingBytes > 0, "maxPendingBytes must be positive");
    require(
        maxPendingBytesPerPartition > 0 && maxPendingBytesPerPartition <= maxPendingBytes,
        "maxPendingBytesPerPartition must be positive and at most maxPendingBytes");
    require(maxRecordsPerWrite > 0, "maxRecordsPerWrite must be positive");
    require(
        maxBytesPerWrite > 0 && maxBytesPerWrite <= maxPendingBytesPerPartition,
        "maxBytesPerWrite must be positive and at most maxPendingBytesPerPartition");
  }

  private static void require(boolean ok, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(rule);
    }
  }
}
