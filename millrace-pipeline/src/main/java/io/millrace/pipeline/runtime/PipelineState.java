package io.millrace.pipeline.runtime;

/** Where a deployed pipeline is, summed over its tasks. */
public enum PipelineState {
  /** Every task is running (reading, idle at the end of its partition, or back-pressured). */
  RUNNING,
  /** At least one task failed, or the stored pipeline could not be started; see the error. */
  FAILED,
  /** Stopped (the server is shutting down or the pipeline is being replaced). */
  STOPPED
}
