package io.millrace.engine.task;

import java.util.List;

/**
 * The result of one {@link BatchLogic#process} call.
 *
 * @param byOutput the records for each output, in the order of the task's {@link OutputTarget}s
 * @param deadLetters records that failed, in input order
 */
public record ProcessedBatch(List<List<OutputRecord>> byOutput, List<DeadLetter> deadLetters) {

  public ProcessedBatch {
    byOutput = List.copyOf(byOutput);
    deadLetters = List.copyOf(deadLetters);
  }
}
