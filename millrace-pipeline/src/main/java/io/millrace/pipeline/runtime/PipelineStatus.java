package io.millrace.pipeline.runtime;

import io.millrace.engine.task.TaskStatus;
import java.util.List;

/**
 * A snapshot of one deployed pipeline for the CLI, the HTTP API and metrics.
 *
 * @param group the consumer group its committed offsets are stored under
 * @param error why it is FAILED (the first failed task's reason), else null
 * @param tasks one per input partition
 */
public record PipelineStatus(
    String name,
    String file,
    PipelineState state,
    long deployedAtMs,
    String group,
    String error,
    List<TaskStatus> tasks) {

  public PipelineStatus {
    tasks = List.copyOf(tasks);
  }

  public long recordsIn() {
    return tasks.stream().mapToLong(TaskStatus::recordsIn).sum();
  }

  public long recordsOut() {
    return tasks.stream().mapToLong(TaskStatus::recordsOut).sum();
  }

  public long deadLetters() {
    return tasks.stream().mapToLong(TaskStatus::deadLetters).sum();
  }

  public long lag() {
    return tasks.stream().mapToLong(TaskStatus::lag).sum();
  }
}
