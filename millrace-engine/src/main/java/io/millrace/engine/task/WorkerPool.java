package io.millrace.engine.task;

import io.millrace.engine.sink.SinkDelivery;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded set of threads every task runs on: {@code threads} platform workers (about one per
 * core) plus one timer thread for backoffs. A task never holds a worker while it waits: waiting is
 * a callback that wakes it. Owns its threads; close stops them.
 */
public final class WorkerPool implements AutoCloseable {

  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final int threads;

  public WorkerPool(int threads) {
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException("threads must be 1 to 1024, not " + threads);
    }
    this.threads = threads;
    this.workers = Executors.newFixedThreadPool(threads, named("millrace-task-"));
    this.timer = Executors.newSingleThreadScheduledExecutor(named("millrace-task-timer-"));
  }

  public int threads() {
    return threads;
  }

  void execute(Runnable step) {
    workers.execute(step);
  }

  void schedule(Runnable wake, long delayMs) {
    timer.schedule(wake, delayMs, TimeUnit.MILLISECONDS);
  }

  /** The pool's timer, for the retries of sink deliveries (which only start the next attempt). */
  public SinkDelivery.RetryScheduler retryScheduler() {
    return SinkDelivery.RetryScheduler.of(timer);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
