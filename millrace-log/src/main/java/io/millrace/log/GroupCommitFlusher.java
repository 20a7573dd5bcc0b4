package io.millrace.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: fsyncs partitions that have acknowledged-on-fsync data waiting, at most once per
 * their flush.interval.ms, so that many appends share one fsync.
 *
 * <p>Owns one thread, {@code millrace-group-commit}. Appenders call {@link #requestFlush}, which
 * queues a partition once until it is flushed; the thread sleeps until the earliest partition is
 * due, flushes it (completing its waiting acknowledgements) and goes on.
 */
final class GroupCommitFlusher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitFlusher.class);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wakeUp = lock.newCondition();
  private final List<PartitionLog> queued = new ArrayList<>();
  private final io.millrace.common.Clock clock;
  private final Thread thread;
  private volatile boolean running = true;

  GroupCommitFlusher(io.millrace.common.Clock clock) {
    this.clock = clock;
    this.thread = new Thread(this::run, "millrace-group-commit");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Asks for {@code partition} to be fsynced within its flush interval. Never blocks long. */
  void requestFlush(PartitionLog partition) {
    if (!partition.markFlushRequested()) {
      return;
    }
    lock.lock();
    try {
      queued.add(partition);
      wakeUp.signal();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    List<PartitionLog> due = new ArrayList<>();
    while (running) {
      try {
        collectDue(due);
        for (PartitionLog partition : due) {
          flushQuietly(partition);
        }
        due.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("group commit loop failed; continuing", e);
      }
    }
  }

  /** Waits until at least one queued partition is due and moves the due ones into {@code due}. */
  private void collectDue(List<PartitionLog> due) throws InterruptedException {
    lock.lock();
    try {
      while (running) {
        long now = clock.nanos();
        long earliestWaitNanos = Long.MAX_VALUE;
        for (int i = queued.size() - 1; i >= 0; i--) {
          PartitionLog partition = queued.get(i);
          long intervalNanos = TimeUnit.MILLISECONDS.toNanos(partition.config().flushIntervalMs());
          long waitNanos = partition.lastFlushNanos() + intervalNanos - now;
          if (waitNanos <= 0) {
            due.add(partition);
            queued.remove(i);
          } else {
            earliestWaitNanos = Math.min(earliestWaitNanos, waitNanos);
          }
        }
        if (!due.isEmpty()) {
          return;
        }
        if (earliestWaitNanos == Long.MAX_VALUE) {
          wakeUp.await();
        } else {
          wakeUp.awaitNanos(earliestWaitNanos);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private static void flushQuietly(PartitionLog partition) {
    partition.takeFlushRequest();
    try {
      partition.flush();
    } catch (StorageException e) {
      // The waiting producers got the failure; the partition stays usable for later appends.
      LOG.warn("group commit fsync of {} failed: {}", partition.topicPartition(), e.getMessage());
    }
  }

  @Override
  public void close() {
    running = false;
    lock.lock();
    try {
      wakeUp.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
