package io.millrace.connect.cdc;

import io.millrace.log.CleanupPolicy;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.TopicConfig;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriteStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every log write of one CDC source — change events and positions — on one thread of its own
 * ({@code millrace-cdc-NAME-writer}), which nobody interrupts. Debezium's engine interrupts its
 * threads when it stops, and an interrupt during a file write closes the log's file channel for
 * everyone; so Debezium's threads hand their writes here and wait (interruptibly) for the result.
 *
 * <p>A write waits for capacity when {@code BACK_PRESSURED} (that wait is what slows the reading of
 * the WAL), retries storage errors with the records not stored, and returns once the records are
 * durable. Bad data or a missing topic that cannot be created throws {@link CdcWriteException}.
 *
 * <p>THREADING: {@link #call} from any thread; the work runs on the writer thread. {@link #close}
 * lets the write in flight end (it gives up its waits once closing) and never interrupts.
 */
final class CdcLogWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CdcLogWriter.class);
  private static final long WAIT_STEP_MS = 500;
  private static final int MAX_STORAGE_RETRIES = 10;

  private final String sourceName;
  private final Log log;
  private final TopicWriter writer;
  private final CdcMetrics metrics;
  private final Map<String, String> newTopicConfig;
  private final int newTopicPartitions;
  private final Set<String> knownTopics = new HashSet<>();
  private final ExecutorService thread;
  private volatile boolean closing;

  CdcLogWriter(
      String sourceName,
      Log log,
      TopicWriter writer,
      CdcMetrics metrics,
      int newTopicPartitions,
      boolean newTopicsCompacted) {
    this.sourceName = sourceName;
    this.log = log;
    this.writer = writer;
    this.metrics = metrics;
    this.newTopicPartitions = newTopicPartitions;
    this.newTopicConfig =
        newTopicsCompacted
            ? Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName())
            : Map.of();
    this.thread =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("millrace-cdc-" + sourceName + "-writer").factory());
  }

  /** Runs {@code work} on the writer thread and waits for it; an interrupt ends only the wait. */
  <T> T call(Callable<T> work) throws InterruptedException {
    Future<T> result = thread.submit(work);
    try {
      return result.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new CdcWriteException("write failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Writes the records of each topic, in order, and waits until all are durable. Runs on the writer
   * thread (through {@link #call}).
   */
  void writeDurably(Map<String, List<WriteRecord>> recordsByTopic) {
    List<CompletableFuture<Void>> durable = new ArrayList<>(recordsByTopic.size());
    for (Map.Entry<String, List<WriteRecord>> entry : recordsByTopic.entrySet()) {
      ensureTopic(entry.getKey());
      String topic = entry.getKey();
      durable.add(write(() -> writer.tryWrite(topic, entry.getValue()), entry.getValue(), topic));
      metrics.records.increment(entry.getValue().size());
    }
    awaitDurable(CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)));
  }

  /** Writes one record through {@code attempt} (a position) and waits until it is durable. */
  void writeOneDurably(Supplier<WriteResult> attempt, String what) {
    awaitDurable(write(attempt, null, what));
  }

  private CompletableFuture<Void> write(
      Supplier<WriteResult> attempt, List<WriteRecord> records, String what) {
    List<CompletableFuture<Void>> durable = new ArrayList<>();
    List<WriteRecord> pending = records;
    Supplier<WriteResult> next = attempt;
    int storageRetries = 0;
    while (true) {
      failIfClosing();
      WriteResult result = next.get();
      if (result.isOk()) {
        durable.add(result.durable());
        return CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new));
      }
      if (result.status() == WriteStatus.BACK_PRESSURED) {
        metrics.backpressured.increment();
        waitForCapacity();
        continue;
      }
      metrics.failure("write_" + result.status().name().toLowerCase(Locale.ROOT));
      if (!result.status().isRetriable() || ++storageRetries > MAX_STORAGE_RETRIES) {
        throw new CdcWriteException(
            "source " + sourceName + ": writing to " + what + " failed: " + result, null);
      }
      LOG.warn("source {}: writing to {} failed ({}); retrying", sourceName, what, result);
      durable.add(result.durable());
      if (pending != null) {
        List<WriteRecord> left = unstored(pending, result);
        pending = left;
        String topic = what;
        next = () -> writer.tryWrite(topic, left);
      }
      sleepQuietly(Math.min(5_000, 100L << storageRetries));
    }
  }

  private static List<WriteRecord> unstored(List<WriteRecord> sent, WriteResult result) {
    if (result.offsets().length != sent.size()) {
      return sent;
    }
    List<WriteRecord> left = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      if (result.offsets()[i] < 0) {
        left.add(sent.get(i));
      }
    }
    return left;
  }

  private void ensureTopic(String topic) {
    if (knownTopics.contains(topic)) {
      return;
    }
    if (log.describeTopic(topic).isEmpty()) {
      try {
        log.createTopic(topic, newTopicPartitions, new HashMap<>(newTopicConfig));
        LOG.info(
            "source {}: created topic {} ({} partitions) for a captured table",
            sourceName,
            topic,
            newTopicPartitions);
      } catch (InvalidRequestException e) {
        if (e.reason() != InvalidRequestException.Reason.TOPIC_EXISTS) {
          throw new CdcWriteException(
              "source " + sourceName + ": cannot create topic " + topic + ": " + e.getMessage(), e);
        }
      }
    }
    knownTopics.add(topic);
  }

  private void waitForCapacity() {
    try {
      writer.onCapacity().get(WAIT_STEP_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // try again: the next tryWrite tells
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CdcWriteException("interrupted", e);
    }
  }

  private void awaitDurable(CompletableFuture<Void> durable) {
    while (true) {
      try {
        durable.get(WAIT_STEP_MS, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        failIfClosing();
      } catch (ExecutionException e) {
        // The fsync failed: durability unknown. The position must not move past these records.
        metrics.failure("fsync");
        throw new CdcWriteException(
            "source " + sourceName + ": fsync failed: " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CdcWriteException("interrupted", e);
      }
    }
  }

  private void failIfClosing() {
    if (closing) {
      throw new CdcWriteException("source " + sourceName + " is closing", null);
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closing = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("source {}: its writer thread did not stop within 10 s", sourceName);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
