package io.millrace.engine.task;

/** Where a {@link PartitionTask} is in its life. */
public enum TaskState {
  /** Created, not started yet. */
  CREATED,
  /** Reading, processing or writing. */
  RUNNING,
  /** Caught up with its input partition; waiting for new records. */
  IDLE,
  /** An output (or the dead-letter topic) refused more bytes for now; waiting for capacity. */
  BACK_PRESSURED,
  /** Waiting before retrying a write the log failed (disk error). */
  RETRYING,
  /** Stopped after an error it cannot get past; see the task's failure. */
  FAILED,
  /** Stopped on request. */
  STOPPED
}
