package io.millrace.engine.task;

/**
 * A snapshot of one task for status pages and metrics.
 *
 * @param position the next input offset the task will read
 * @param committedOffset the next input offset after everything committed (-1 before the first)
 * @param endOffset the input partition's log end offset when the snapshot was taken
 * @param retries writes retried after a failure: appends the log failed and sink deliveries
 * @param backPressuredWaits how often the task waited because the write path was full
 * @param failure the error that stopped a FAILED task, else null
 */
public record TaskStatus(
    String topic,
    int partition,
    TaskState state,
    long position,
    long committedOffset,
    long endOffset,
    long recordsIn,
    long recordsOut,
    long deadLetters,
    long retries,
    long backPressuredWaits,
    String failure) {

  /** Records in the input partition not yet committed as done. */
  public long lag() {
    long done = Math.max(committedOffset, 0);
    return Math.max(0, endOffset - done);
  }
}
