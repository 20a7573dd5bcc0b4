package io.millrace.engine.sink;

import io.millrace.common.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivers batches to one {@link Sink}, retrying failed writes with the shared {@link RetryPolicy}
 * (exponential backoff, full jitter, the destination's {@link RetriableSinkException#retryAfterMs}
 * honoured up to the policy's maximum delay) and giving up after the last attempt: then every
 * record of the batch comes back rejected with the reason "gave up after N attempts: LAST ERROR",
 * so the runtime dead-letters them and moves on. Any exception from the sink counts as retriable.
 *
 * <p>{@link #deliver} never completes exceptionally, except with {@link CancellationException} for
 * a batch still waiting to be retried when {@link #close} is called (shutdown: the batch is neither
 * delivered nor rejected, and its input offsets must not be committed).
 *
 * <p>Threading: like {@link Sink#write}, one batch at a time per instance (the caller waits for the
 * future before delivering the next). Retries run on the injected {@link RetryScheduler}'s thread;
 * the {@link Random} is only touched by the attempt in flight, so it needs no lock. {@link #stats}
 * may be read from any thread.
 */
public final class SinkDelivery implements AutoCloseable {

  /** Runs a task after a delay; tests inject a hand-driven one. */
  @FunctionalInterface
  public interface RetryScheduler {
    void schedule(Runnable task, long delayMs);

    /** A scheduler over a JDK executor (which the caller owns and shuts down). */
    static RetryScheduler of(ScheduledExecutorService executor) {
      return (task, delayMs) -> executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    }
  }

  /** Counters for metrics; monotonic, readable from any thread. */
  public static final class Stats {
    private final LongAdder attempts = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder batchesGivenUp = new LongAdder();

    /** Calls of {@link Sink#write}, first attempts and retries. */
    public long attempts() {
      return attempts.sum();
    }

    /** Attempts that were retries of a failed one. */
    public long retries() {
      return retries.sum();
    }

    /** Records the sink accepted. */
    public long delivered() {
      return delivered.sum();
    }

    /** Records rejected, by the sink or because delivery gave up. */
    public long rejected() {
      return rejected.sum();
    }

    /** Batches whose every attempt failed. */
    public long batchesGivenUp() {
      return batchesGivenUp.sum();
    }
  }

  private final Sink sink;
  private final RetryPolicy policy;
  private final Random random;
  private final RetryScheduler scheduler;
  private final Stats stats = new Stats();
  private volatile boolean closed;

  public SinkDelivery(Sink sink, RetryPolicy policy, Random random, RetryScheduler scheduler) {
    this.sink = sink;
    this.policy = policy;
    this.random = random;
    this.scheduler = scheduler;
  }

  public Stats stats() {
    return stats;
  }

  /**
   * Writes {@code records} until the sink accepts (or rejects some of) them, or gives up after the
   * policy's attempts. The result names every record that was not delivered, by its index.
   */
  public CompletableFuture<SinkResult> deliver(List<SinkRecord> records) {
    CompletableFuture<SinkResult> result = new CompletableFuture<>();
    if (records.isEmpty()) {
      result.complete(SinkResult.delivered());
      return result;
    }
    attempt(records, 1, result);
    return result;
  }

  private void attempt(
      List<SinkRecord> records, int attempt, CompletableFuture<SinkResult> result) {
    if (closed) {
      result.completeExceptionally(new CancellationException("sink delivery closed"));
      return;
    }
    stats.attempts.increment();
    if (attempt > 1) {
      stats.retries.increment();
    }
    CompletableFuture<SinkResult> write;
    try {
      write = sink.write(records);
      if (write == null) {
        write = CompletableFuture.failedFuture(new IllegalStateException("sink returned null"));
      }
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    write.whenComplete(
        (written, failure) -> {
          if (failure == null && written != null) {
            onWritten(records.size(), written, result);
          } else {
            onFailed(records, attempt, unwrap(failure), result);
          }
        });
  }

  private void onWritten(int size, SinkResult written, CompletableFuture<SinkResult> result) {
    stats.rejected.add(written.rejected().size());
    stats.delivered.add(size - written.rejected().size());
    result.complete(written);
  }

  private void onFailed(
      List<SinkRecord> records,
      int attempt,
      Throwable failure,
      CompletableFuture<SinkResult> result) {
    if (attempt >= policy.maxAttempts()) {
      stats.batchesGivenUp.increment();
      stats.rejected.add(records.size());
      String reason = "gave up after " + attempt + " attempts: " + describe(failure);
      List<SinkResult.Rejected> rejected = new ArrayList<>(records.size());
      for (int i = 0; i < records.size(); i++) {
        rejected.add(new SinkResult.Rejected(i, reason));
      }
      result.complete(new SinkResult(rejected));
      return;
    }
    long retryAfterMs =
        failure instanceof RetriableSinkException retriable
            ? Math.max(0, retriable.retryAfterMs())
            : 0;
    long delayMs = policy.delayMs(attempt, retryAfterMs, random);
    try {
      scheduler.schedule(() -> attempt(records, attempt + 1, result), delayMs);
    } catch (RuntimeException e) { // the executor is shut down: we are closing
      result.completeExceptionally(new CancellationException("cannot schedule a retry: " + e));
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause == null ? new IllegalStateException("sink returned a null result") : cause;
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message;
  }

  /** Stops retrying: batches waiting for a retry complete with {@link CancellationException}. */
  @Override
  public void close() {
    closed = true;
  }
}
