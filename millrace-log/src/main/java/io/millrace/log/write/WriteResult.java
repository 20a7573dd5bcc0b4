package io.millrace.log.write;

import java.util.concurrent.CompletableFuture;

/**
 * What {@link TopicWriter#tryWrite} did. For record {@code i} of the call, {@code partitions[i]} is
 * the partition chosen and {@code offsets[i]} its offset, or -1 if it was not stored. {@code
 * durable} completes when every stored record is as durable as its topic's flush policy promises,
 * or exceptionally with a {@link io.millrace.log.StorageException} if an fsync failed.
 *
 * <p>The arrays belong to the caller once returned; the writer keeps no reference to them.
 */
public record WriteResult(
    WriteStatus status,
    String message,
    int[] partitions,
    long[] offsets,
    CompletableFuture<Void> durable) {

  private static final int[] NO_PARTITIONS = new int[0];
  private static final long[] NO_OFFSETS = new long[0];
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  static WriteResult refused(WriteStatus status, String message) {
    return new WriteResult(status, message, NO_PARTITIONS, NO_OFFSETS, DONE);
  }

  public boolean isOk() {
    return status == WriteStatus.OK;
  }

  /** How many records of the call were stored. */
  public int storedCount() {
    int stored = 0;
    for (long offset : offsets) {
      if (offset >= 0) {
        stored++;
      }
    }
    return stored;
  }

  @Override
  public String toString() {
    return "WriteResult[" + status + (message == null ? "" : ": " + message) + "]";
  }
}
