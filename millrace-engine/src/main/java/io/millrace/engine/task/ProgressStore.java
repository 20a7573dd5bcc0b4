package io.millrace.engine.task;

import io.millrace.log.TopicPartition;
import java.util.concurrent.CompletableFuture;

/**
 * Where a task keeps how far it got: the next input offset to process per partition. The one narrow
 * point an exactly-once version will replace with a transactional commit (offsets, outputs and
 * state in one log transaction). Thread-safe.
 */
public interface ProgressStore {

  /** The next offset to process, or -1 when nothing was committed for this partition. */
  long committedOffset(TopicPartition source);

  /** Records that everything below {@code nextOffset} is done; completes when durable. */
  CompletableFuture<Void> commit(TopicPartition source, long nextOffset);
}
