package io.millrace.engine.task;

import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import java.util.List;

/**
 * What a task does with the records it reads: turns one batch of input records into records per
 * output plus dead letters. One instance per task, called by one thread at a time, so it may keep
 * scratch state. Must not throw for bad data (that is a dead letter); an exception is a bug and
 * fails the task.
 */
public interface BatchLogic {

  /**
   * @param source the partition the records come from
   * @param records records of that partition in offset order, at least one
   */
  ProcessedBatch process(TopicPartition source, List<LogRecord> records);
}
