package io.millrace.serve;

import io.millrace.common.Clock;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails every partition of one view's changelog topic into its {@link ViewIndex}: reads whole
 * batches from the log, applies each partition's batch with its new position in one write, and
 * waits on the log's {@link PartitionLog#onData} futures when it has caught up. Rebuilds the index
 * from the start of the changelog when its stored position lies outside the log (records deleted,
 * topic truncated).
 *
 * <p>THREADING. Owns one platform thread, {@code millrace-view-NAME}, the index's only writer.
 * {@link #awaitApplied} is called by query threads; it waits on a condition the indexer signals
 * only while someone waits, so the hot path pays one atomic read per write.
 */
public final class ViewIndexer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ViewIndexer.class);
  private static final long MAX_FAILURE_PAUSE_MS = 5_000;

  /** What the indexer is doing; reported by {@code GET /views}. */
  public enum State {
    /** Replaying the changelog into an index that started empty (new, missing, stale, corrupt). */
    BUILDING,
    /** Applying a backlog on top of an index kept from before. */
    CATCHING_UP,
    /** Applied everything the log held at its last look; following new records. */
    LIVE,
    /** The last step failed (disk, RocksDB); retrying after a pause. */
    FAILING,
    /** Closed. */
    STOPPED
  }

  private final Log log;
  private final String topic;
  private final ViewIndex index;
  private final Clock clock;
  private final LongSupplier ttlMs;
  private final ViewOptions options;
  private final Thread thread;
  private final ReentrantLock progressLock = new ReentrantLock();
  private final Condition progressed = progressLock.newCondition();
  private final AtomicInteger waiters = new AtomicInteger();
  private final AtomicLong keylessRecords = new AtomicLong();
  private final AtomicLong appliedRecords = new AtomicLong();
  private final AtomicLong purgedRows = new AtomicLong();
  private volatile AtomicLongArray positions = new AtomicLongArray(0);
  private final CompletableFuture<Void> wakeUp = new CompletableFuture<>();
  private volatile State state;
  private volatile boolean closed;
  private long lastPurgeMs;

  public ViewIndexer(
      Log log, String topic, ViewIndex index, LongSupplier ttlMs, ViewOptions options) {
    this.log = log;
    this.topic = topic;
    this.index = index;
    this.clock = options.clock();
    this.ttlMs = ttlMs;
    this.options = options;
    this.state = index.wasRebuilt() ? State.BUILDING : State.CATCHING_UP;
    this.lastPurgeMs = clock.millis();
    this.thread = new Thread(this::run, "millrace-view-" + topic);
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  public State state() {
    return state;
  }

  /** Records of the changelog skipped because they had no key. */
  public long keylessRecords() {
    return keylessRecords.get();
  }

  /** Records applied since start (upserts and deletes). */
  public long appliedRecords() {
    return appliedRecords.get();
  }

  /** Expired rows deleted from the index since start. */
  public long purgedRows() {
    return purgedRows.get();
  }

  /** The next offset of {@code partition} still to apply; -1 before the indexer has looked. */
  public long nextOffset(int partition) {
    AtomicLongArray current = positions;
    return partition < current.length() ? current.get(partition) : -1;
  }

  /** Rows with a timestamp before this read as absent (Long.MIN_VALUE without a TTL). */
  public long expiredBeforeMs() {
    long ttl = ttlMs.getAsLong();
    return ttl > 0 ? clock.millis() - ttl : Long.MIN_VALUE;
  }

  /**
   * Waits until the index has applied {@code offset} of {@code partition}, at most {@code
   * timeoutMs}.
   *
   * @return true if it has
   */
  public boolean awaitApplied(int partition, long offset, long timeoutMs)
      throws InterruptedException {
    if (nextOffset(partition) > offset) {
      return true;
    }
    long remainingNs = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    waiters.incrementAndGet();
    progressLock.lock();
    try {
      while (nextOffset(partition) <= offset) {
        if (remainingNs <= 0 || closed) {
          return false;
        }
        remainingNs = progressed.awaitNanos(remainingNs);
      }
      return true;
    } finally {
      progressLock.unlock();
      waiters.decrementAndGet();
    }
  }

  // ------------------------------------------------------------------------------ the thread

  private void run() {
    int failures = 0;
    while (!closed) {
      try {
        List<PartitionLog> partitions = log.partitions(topic);
        loadPositions(partitions);
        boolean worked = false;
        for (PartitionLog partition : partitions) {
          worked |= step(partition);
        }
        purgeIfDue();
        if (!worked) {
          state = State.LIVE;
          awaitData(partitions);
        }
        failures = 0;
      } catch (InvalidRequestException e) {
        // The topic went away (the catalog closes this indexer soon) or an offset moved under us
        // (the next step sees where): not worth more than a debug line.
        LOG.debug("view indexer of {}: {}", topic, e.getMessage());
        pause(options.idleWaitMs());
      } catch (IOException | RuntimeException e) {
        if (closed) {
          break;
        }
        if (failures++ == 0) {
          LOG.warn("view indexer of {} failed; retrying", topic, e);
        }
        state = State.FAILING;
        pause(Math.min(MAX_FAILURE_PAUSE_MS, 100L << Math.min(failures, 6)));
      }
    }
    state = State.STOPPED;
  }

  /** Learns the stored position of partitions not seen before (all of them at start). */
  private void loadPositions(List<PartitionLog> partitions) {
    AtomicLongArray current = positions;
    if (current.length() >= partitions.size()) {
      return;
    }
    AtomicLongArray grown = new AtomicLongArray(partitions.size());
    for (int p = 0; p < partitions.size(); p++) {
      long stored = p < current.length() ? current.get(p) : index.nextOffset(p);
      grown.set(p, stored < 0 ? partitions.get(p).logStartOffset() : stored);
    }
    positions = grown;
  }

  /** Applies the next batches of one partition; false if it had nothing new. */
  private boolean step(PartitionLog partition) throws IOException {
    int p = partition.topicPartition().partition();
    long next = positions.get(p);
    long start = partition.logStartOffset();
    long end = partition.logEndOffset();
    if (next < start || next > end) {
      rebuild(p, next, start, end);
      return true;
    }
    if (next == end) {
      return false;
    }
    LogSlice slice = partition.read(next, options.readMaxBytes());
    if (slice.isEmpty()) {
      return false;
    }
    ViewIndex.Applied applied =
        index.applyBatches(p, slice.read(), next, slice.nextOffset(), expiredBeforeMs());
    keylessRecords.addAndGet(applied.keyless());
    appliedRecords.addAndGet(applied.records());
    positions.set(p, slice.nextOffset());
    if (waiters.get() > 0) {
      progressLock.lock();
      try {
        progressed.signalAll();
      } finally {
        progressLock.unlock();
      }
    }
    return true;
  }

  /**
   * The index's position is not in the log (records were deleted, or the topic was recreated with
   * the same id): what it holds may be wrong, so start again from the changelog's start.
   */
  private void rebuild(int partition, long next, long start, long end) throws IOException {
    LOG.warn(
        "view index of {}: position {} of partition {} is outside the log [{}, {}]; rebuilding",
        topic,
        next,
        partition,
        start,
        end);
    state = State.BUILDING;
    index.wipe();
    positions = new AtomicLongArray(0);
    loadPositions(log.partitions(topic));
  }

  private void purgeIfDue() {
    long ttl = ttlMs.getAsLong();
    long now = clock.millis();
    if (ttl <= 0 || now - lastPurgeMs < options.purgeIntervalMs()) {
      return;
    }
    lastPurgeMs = now;
    long purged = index.purgeExpired(now - ttl);
    purgedRows.addAndGet(purged);
    if (purged > 0) {
      LOG.debug("view {}: purged {} expired rows", topic, purged);
    }
  }

  /** Waits for data on any partition, a wake-up, or the idle timeout (then purges are checked). */
  private void awaitData(List<PartitionLog> partitions) {
    List<CompletableFuture<Void>> futures = new ArrayList<>(partitions.size() + 1);
    for (PartitionLog partition : partitions) {
      futures.add(partition.onData(positions.get(partition.topicPartition().partition())));
    }
    futures.add(wakeUp);
    try {
      CompletableFuture.anyOf(futures.toArray(CompletableFuture[]::new))
          .get(options.idleWaitMs(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // Look again: the timeout is how purges and new partitions are noticed.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    } finally {
      for (int i = 0; i < partitions.size(); i++) {
        futures.get(i).cancel(false); // leaves the partition's waiter list at once
      }
    }
  }

  private void pause(long ms) {
    try {
      wakeUp.get(ms, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // paused long enough
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Stops the thread and waits for it (the index stays open: its owner closes it). Idempotent. */
  @Override
  public void close() {
    closed = true;
    wakeUp.complete(null);
    progressLock.lock();
    try {
      progressed.signalAll();
    } finally {
      progressLock.unlock();
    }
    if (thread.isAlive() && thread != Thread.currentThread()) {
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
