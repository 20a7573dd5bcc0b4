package io.millrace.engine.sink;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A destination outside the log that a pipeline output delivers records to.
 *
 * <p>Threading: one task calls {@link #write} at a time per sink instance and never calls it again
 * before the previous future completed; the runtime creates one instance per task, so a sink need
 * not be thread-safe. The future may complete on any thread.
 *
 * <p>Outcomes, kept apart as the style guide asks:
 *
 * <ul>
 *   <li>every record delivered durably: a {@link SinkResult} with no rejections;
 *   <li>some records can never be delivered (bad data for this destination, such as a missing
 *       column or an HTTP 400): a {@link SinkResult} naming them; the others were delivered. The
 *       runtime sends the rejected ones to the dead-letter topic;
 *   <li>the destination failed for now (connection refused, timeout, HTTP 503): the future
 *       completes exceptionally with {@link RetriableSinkException}; the runtime retries the whole
 *       batch with backoff, so a sink must tolerate receiving records again.
 * </ul>
 *
 * Any other exception is treated as retriable too (the environment, not the data, is the likely
 * cause), up to the pipeline's retry limit.
 */
public interface Sink extends AutoCloseable {

  /** Delivers {@code records} in order. Never null; completes once for the whole batch. */
  CompletableFuture<SinkResult> write(List<SinkRecord> records);

  /** Releases connections, files and threads. Idempotent. */
  @Override
  void close();
}
