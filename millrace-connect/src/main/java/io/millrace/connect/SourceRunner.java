package io.millrace.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.RetryPolicy;
import io.millrace.log.PartitionLog;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriteStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link PollingSource}: recovers its position, then fetches page after page, writes each
 * page to the topic through the {@link TopicWriter} (waiting when back-pressured), and stores the
 * position once the page is durable. Retries failed fetches with the source's {@link RetryPolicy};
 * every failure is counted and logged once.
 *
 * <p>THREADING: {@link #run} is the loop of one thread (a virtual thread started by {@link
 * SourceScheduler}); {@link #stop} and {@link #state} may be called from any thread. The loop is
 * never interrupted (an interrupt would close the log's file channels): stop sets a latch that
 * every wait watches, and a fetch in flight ends within the source's request timeout.
 */
public final class SourceRunner implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(SourceRunner.class);
  private static final long BACKPRESSURE_WAIT_MS = 1_000;
  private static final long DURABLE_WAIT_MS = 1_000;

  /** Where the runner is. */
  public enum State {
    /** Created, not yet running. */
    NEW,
    /** Reading its checkpoint and rolling it forward. */
    RECOVERING,
    /** Polling. */
    RUNNING,
    /** Stopped on request. */
    STOPPED,
    /** Stopped because a page could not be written (bad data or configuration); see the log. */
    FAILED
  }

  private final PollingSource source;
  private final SourceSettings settings;
  private final TopicWriter writer;
  private final SourcePositionStore positions;
  private final Supplier<List<PartitionLog>> topicPartitions;
  private final SourceMetrics metrics;
  private final ObjectMapper mapper;
  private final Random random;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private volatile State state = State.NEW;

  private long sequence;
  private JsonNode cursor;
  private RecentIds recentIds;

  SourceRunner(
      PollingSource source,
      SourceSettings settings,
      TopicWriter writer,
      SourcePositionStore positions,
      Supplier<List<PartitionLog>> topicPartitions,
      SourceMetrics metrics,
      ObjectMapper mapper,
      Random random) {
    this.source = source;
    this.settings = settings;
    this.writer = writer;
    this.positions = positions;
    this.topicPartitions = topicPartitions;
    this.metrics = metrics;
    this.mapper = mapper;
    this.random = random;
  }

  public State state() {
    return state;
  }

  /** Asks the loop to end; it does so at its next wait or after the fetch in flight. */
  public void stop() {
    stopping.countDown();
  }

  @Override
  public void run() {
    try {
      state = State.RECOVERING;
      if (!recover()) {
        state = State.STOPPED;
        return;
      }
      state = State.RUNNING;
      while (!isStopping()) {
        if (!pollOnce()) {
          break;
        }
      }
      state = state == State.FAILED ? State.FAILED : State.STOPPED;
    } catch (RuntimeException e) {
      metrics.failure("internal");
      LOG.error("source {} stopped on an unexpected error", settings.name(), e);
      state = State.FAILED;
    } finally {
      source.close();
    }
  }

  // ---------------------------------------------------------------------- recovery

  private boolean recover() {
    SourceCheckpoint stored = positions.read(settings.name()).orElse(null);
    if (stored == null) {
      sequence = 0;
      cursor = source.initialCursor();
      recentIds = new RecentIds(settings.maxRecentIds(), List.of());
      // A first checkpoint before the first page bounds where recovery must look.
      return storeCheckpoint();
    }
    if (!stored.topic().equals(settings.topic())) {
      throw new IllegalStateException(
          "source "
              + settings.name()
              + " wrote to topic "
              + stored.topic()
              + " and is now configured for "
              + settings.topic()
              + "; rename the source to start over");
    }
    PositionRecovery.Recovered recovered =
        PositionRecovery.rollForward(settings.name(), stored, topicPartitions.get(), mapper);
    sequence = recovered.sequence();
    cursor = recovered.cursor();
    recentIds = new RecentIds(settings.maxRecentIds(), stored.recentIds());
    recovered.newIds().forEach(recentIds::add);
    // Always store: the new end offsets move past anything found, an incomplete page included,
    // so its records are never mistaken for part of the page fetched again under its sequence.
    return storeCheckpoint();
  }

  // -------------------------------------------------------------------------- polling

  /** One fetch and what follows it; false when the loop must end. */
  private boolean pollOnce() {
    SourcePage page = fetchWithRetries();
    if (page == null) {
      return waitMs(settings.intervalMs());
    }
    metrics.pages.increment();
    List<SourceItem> fresh = new ArrayList<>(page.items().size());
    for (SourceItem item : page.items()) {
      if (item.id() != null && recentIds.contains(item.id())) {
        metrics.duplicates.increment();
      } else {
        fresh.add(item);
      }
    }
    boolean cursorMoved = !page.cursorAfter().equals(cursor);
    if (!fresh.isEmpty() || cursorMoved) {
      long pageSequence = sequence + 1;
      if (!fresh.isEmpty() && !writePage(pageSequence, fresh, page.cursorAfter())) {
        return false;
      }
      sequence = pageSequence;
      cursor = page.cursorAfter();
      fresh.forEach(item -> recentIds.add(item.id()));
      if (!storeCheckpoint()) {
        return false;
      }
    }
    return page.more() || waitMs(settings.intervalMs());
  }

  /** The next page, or null when every attempt of this poll failed (each logged and counted). */
  private SourcePage fetchWithRetries() {
    RetryPolicy retry = settings.retry();
    for (int attempt = 1; attempt <= retry.maxAttempts() && !isStopping(); attempt++) {
      try {
        return source.fetch(cursor);
      } catch (FetchException e) {
        metrics.failure(e.reason());
        boolean again = e.retriable() && attempt < retry.maxAttempts();
        long delayMs = again ? retry.delayMs(attempt, e.retryAfterMs(), random) : 0;
        LOG.warn(
            "source {}: fetch failed (attempt {} of {}, {}): {}{}",
            settings.name(),
            attempt,
            retry.maxAttempts(),
            e.reason(),
            e.getMessage(),
            again ? "; retrying in " + delayMs + " ms" : "; waiting for the next poll");
        if (!again || !waitMs(delayMs)) {
          return null;
        }
      }
    }
    return null;
  }

  // --------------------------------------------------------------------------- writing

  /**
   * Writes one page and waits until it is durable. Retries what the log refused for a retriable
   * reason (backpressure, storage errors) until the whole page is stored or the runner stops.
   */
  private boolean writePage(long pageSequence, List<SourceItem> items, JsonNode cursorAfter) {
    List<WriteRecord> pending = toRecords(pageSequence, items, cursorAfter);
    List<CompletableFuture<Void>> durable = new ArrayList<>();
    int attempt = 0;
    while (!pending.isEmpty()) {
      if (isStopping()) {
        return false;
      }
      WriteResult result = writer.tryWrite(settings.topic(), pending);
      if (result.isOk()) {
        durable.add(result.durable());
        metrics.records.increment(pending.size());
        break;
      }
      if (result.status() == WriteStatus.BACK_PRESSURED) {
        metrics.backpressured.increment();
        waitForCapacity();
        continue;
      }
      metrics.failure("write_" + result.status().name().toLowerCase(Locale.ROOT));
      if (!result.status().isRetriable()) {
        LOG.error(
            "source {}: page {} cannot be written ({}); the source stops",
            settings.name(),
            pageSequence,
            result);
        state = State.FAILED;
        return false;
      }
      durable.add(result.durable());
      pending = unstored(pending, result);
      long delayMs = settings.retry().delayMs(++attempt, 0, random);
      LOG.warn(
          "source {}: writing page {} failed ({}); {} records left, retrying in {} ms",
          settings.name(),
          pageSequence,
          result,
          pending.size(),
          delayMs);
      if (!waitMs(delayMs)) {
        return false;
      }
    }
    return awaitDurable(CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)));
  }

  private List<WriteRecord> toRecords(long pageSequence, List<SourceItem> items, JsonNode after) {
    try {
      return PageRecords.build(
          settings.name(), pageSequence, items, mapper.writeValueAsBytes(after));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the cursor of " + settings.name(), e);
    }
  }

  private static List<WriteRecord> unstored(List<WriteRecord> sent, WriteResult result) {
    if (result.offsets().length != sent.size()) {
      return sent; // refused whole
    }
    List<WriteRecord> left = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      if (result.offsets()[i] < 0) {
        left.add(sent.get(i));
      }
    }
    return left;
  }

  /** Stores the current position, waiting out backpressure; false if stopping first. */
  private boolean storeCheckpoint() {
    SourceCheckpoint checkpoint =
        new SourceCheckpoint(
            sequence,
            cursor,
            recentIds.toList(),
            settings.topic(),
            positions.endOffsets(settings.topic()));
    int attempt = 0;
    while (!isStopping()) {
      WriteResult result = positions.tryWrite(settings.name(), checkpoint);
      if (result.isOk()) {
        return true;
      }
      if (result.status() == WriteStatus.BACK_PRESSURED) {
        metrics.backpressured.increment();
        waitForCapacity();
        continue;
      }
      metrics.failure("checkpoint_" + result.status().name().toLowerCase(Locale.ROOT));
      if (!result.status().isRetriable()) {
        LOG.error(
            "source {}: storing its position failed ({}); the source stops",
            settings.name(),
            result);
        state = State.FAILED;
        return false;
      }
      long delayMs = settings.retry().delayMs(++attempt, 0, random);
      LOG.warn(
          "source {}: storing its position failed ({}); retrying in {} ms",
          settings.name(),
          result,
          delayMs);
      waitMs(delayMs);
    }
    return false;
  }

  // ----------------------------------------------------------------------------- waits

  private boolean isStopping() {
    return stopping.getCount() == 0;
  }

  /** Waits {@code ms} or until stop; true if the loop should go on. */
  private boolean waitMs(long ms) {
    try {
      return !stopping.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void waitForCapacity() {
    try {
      writer.onCapacity().get(BACKPRESSURE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // try again anyway: the next tryWrite tells
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
    }
  }

  private boolean awaitDurable(CompletableFuture<Void> durable) {
    while (!isStopping()) {
      try {
        durable.get(DURABLE_WAIT_MS, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        // keep waiting, watching for stop
      } catch (ExecutionException e) {
        // The fsync failed: the records are in the log but their durability is unknown. The
        // position moves on (writing them again would duplicate them); the failure is counted.
        metrics.failure("fsync");
        LOG.warn("source {}: fsync of a page failed: {}", settings.name(), e.getCause().toString());
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
