/**
 * Tasks that process one input partition each, on a bounded pool of worker threads: read batches
 * straight from the log, hand them to a {@link io.millrace.engine.task.BatchLogic}, append the
 * results and dead letters through the log's write path, and commit the input offset once every
 * output of a batch is durable (at least once).
 *
 * <p>CONCURRENCY. A {@link io.millrace.engine.task.PartitionTask} runs one step at a time on some
 * pool thread (never two steps at once: {@code wake()} counts wake-ups and only the 0→1 transition
 * submits it). Everything else that happens to a task — data arriving, write capacity freed, a
 * durable acknowledgement, a backoff timer, a stop request — only wakes it. Task state is owned by
 * whichever pool thread runs the step; the fields read from outside (state, counters, positions)
 * are volatile or atomic. No locks are held across calls into the log.
 */
package io.millrace.engine.task;
