package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(SeededRandomExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PartitionLogConcurrencyTest {

  private static final TopicPartition TP = new TopicPartition("ticks", 0);

  @RegisterExtension final LogExtension logs = new LogExtension();

  private final ExecutorService threads = Executors.newCachedThreadPool();

  private PartitionLog create(Map<String, String> overrides) throws IOException {
    Log log = logs.open();
    log.createTopic(TP.topic(), 1, overrides);
    return log.partition(TP);
  }

  @org.junit.jupiter.api.AfterEach
  void stopThreads() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void shouldAnswerOnDataAtOnceForAnOffsetThatExists() throws IOException {
    PartitionLog partition = create(Map.of());
    partition.append(Batches.numbered(0, 3, 1000));

    assertThat(partition.onData(2)).isDone();
    assertThat(partition.onData(3)).isNotDone();
  }

  @Test
  void shouldCompleteOnDataWhenThatOffsetIsAppended() throws Exception {
    PartitionLog partition = create(Map.of());
    CompletableFuture<Void> atOne = partition.onData(1);
    CompletableFuture<Void> atFive = partition.onData(5);

    partition.append(Batches.numbered(0, 3, 1000));

    atOne.get(10, TimeUnit.SECONDS);
    assertThat(atFive).isNotDone();
    partition.append(Batches.numbered(3, 3, 1000));
    atFive.get(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldWakeAWaitingReaderWhenDataArrives() throws Exception {
    PartitionLog partition = create(Map.of());
    Future<Boolean> waiting = awaitDataInAnotherThread(partition);

    partition.append(Batches.numbered(0, 1, 1000));

    assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Starts awaitData(0) on another thread and returns once that thread is parked in it. */
  private Future<Boolean> awaitDataInAnotherThread(PartitionLog partition) {
    java.util.concurrent.atomic.AtomicReference<Thread> waiter =
        new java.util.concurrent.atomic.AtomicReference<>();
    Future<Boolean> waiting =
        threads.submit(
            () -> {
              waiter.set(Thread.currentThread());
              return partition.awaitData(0, 60_000);
            });
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> waiter.get() != null && waiter.get().getState() == Thread.State.TIMED_WAITING);
    assertThat(waiting).isNotDone();
    return waiting;
  }

  @Test
  void shouldTimeOutWithoutSpinning() throws Exception {
    PartitionLog partition = create(Map.of());
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    long cpuBefore = bean.getCurrentThreadCpuTime();
    long startNanos = System.nanoTime();

    boolean arrived = partition.awaitData(0, 500);

    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    long cpuMs = TimeUnit.NANOSECONDS.toMillis(bean.getCurrentThreadCpuTime() - cpuBefore);
    assertThat(arrived).isFalse();
    assertThat(elapsedMs).isGreaterThanOrEqualTo(500);
    assertThat(cpuMs).as("CPU time while waiting %d ms", elapsedMs).isLessThan(100);
  }

  @Test
  void shouldReleaseWaitersWhenThePartitionCloses() throws Exception {
    Log log = logs.open();
    log.createTopic(TP.topic(), 1, Map.of());
    PartitionLog partition = log.partition(TP);
    Future<Boolean> waiting = awaitDataInAnotherThread(partition);
    CompletableFuture<Void> onData = partition.onData(0);

    log.close();

    assertThat(waiting.get(10, TimeUnit.SECONDS)).isFalse();
    onData.get(10, TimeUnit.SECONDS);
  }

  /**
   * One writer appends while readers read from random offsets: every slice they get holds whole
   * batches with valid checksums and the records written at those offsets.
   */
  @Test
  void shouldNeverShowReadersATornBatch(Random random) throws Exception {
    PartitionLog partition =
        create(Map.of(TopicConfig.SEGMENT_BYTES, "4000", TopicConfig.INDEX_INTERVAL_BYTES, "200"));
    AtomicBoolean writing = new AtomicBoolean(true);
    long seed = random.nextLong();
    Future<?> writer =
        threads.submit(
            () -> {
              Random writerRandom = new Random(seed);
              try {
                for (int i = 0; i < 3000; i++) {
                  int first = (int) partition.logEndOffset();
                  ByteBuffer batch = Batches.numbered(first, 1 + writerRandom.nextInt(8), first);
                  assertThat(partition.append(batch).baseOffset()).isEqualTo(first);
                }
              } finally {
                writing.set(false);
              }
              return null;
            });
    List<Future<Integer>> readers = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      long readerSeed = random.nextLong();
      readers.add(
          threads.submit(() -> readWhileWriting(partition, writing, new Random(readerSeed))));
    }

    writer.get(60, TimeUnit.SECONDS);
    for (Future<Integer> reader : readers) {
      assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
    }
    assertThat(partition.segmentCount()).isGreaterThan(10);
  }

  private static int readWhileWriting(PartitionLog partition, AtomicBoolean writing, Random random)
      throws IOException {
    int checked = 0;
    while (writing.get()) {
      long end = partition.logEndOffset();
      long offset = end == 0 ? 0 : random.nextLong(end + 1);
      LogSlice slice = partition.read(offset, 1 + random.nextInt(3000));
      ByteBuffer bytes = slice.read();
      int position = 0;
      while (position < bytes.limit()) {
        int size = BatchLayout.sizeInBytes(bytes, position);
        assertThat(BatchLayout.computeCrc(bytes, position, size))
            .isEqualTo(BatchLayout.storedCrc(bytes, position));
        position += size;
      }
      assertThat(position).isEqualTo(bytes.limit());
      for (LogRecord record : RecordBatches.records(bytes)) {
        assertThat(Batches.text(record.value())).isEqualTo("value-" + record.offset());
        checked++;
      }
      if (offset < end) {
        assertThat(slice.firstOffset()).isLessThanOrEqualTo(offset);
        assertThat(slice.nextOffset()).isGreaterThan(offset);
      }
    }
    return checked;
  }

  /**
   * The checkpoint file is written by the flusher (recovery point), by DeleteRecords and by
   * retention, each under a different lock; none of them may fail or leave an older value behind.
   */
  @Test
  void shouldKeepTheCheckpointWhileFlushesAndDeleteRecordsRace() throws Exception {
    PartitionLog partition =
        create(
            Map.of(
                TopicConfig.SEGMENT_BYTES,
                "200",
                TopicConfig.FLUSH_POLICY,
                FlushPolicy.EVERY_BATCH.configName()));
    AtomicBoolean writing = new AtomicBoolean(true);
    Future<?> writer =
        threads.submit(
            () -> {
              try {
                for (int i = 0; i < 300; i++) {
                  AppendResult result = partition.append(Batches.numbered(i, 1, 1000));
                  assertThat(result.isOk()).as(result.message()).isTrue();
                }
              } finally {
                writing.set(false);
              }
              return null;
            });
    Future<?> deleter =
        threads.submit(
            () -> {
              while (writing.get()) {
                partition.deleteRecordsBefore(partition.logEndOffset());
              }
              return null;
            });

    writer.get(60, TimeUnit.SECONDS);
    deleter.get(60, TimeUnit.SECONDS);
    PartitionCheckpoint checkpoint = PartitionCheckpoint.read(partition.directory());

    assertThat(partition.logStartOffset()).isPositive();
    assertThat(checkpoint.logStartOffset()).isEqualTo(partition.logStartOffset());
  }

  /** Appends racing with close get OK or CLOSED, never an exception, and lose nothing acked. */
  @Test
  void shouldAnswerAppendsRacingWithCloseWithAStatus() throws Exception {
    Log log = logs.open();
    log.createTopic(TP.topic(), 1, Map.of(TopicConfig.SEGMENT_BYTES, "100"));
    PartitionLog partition = log.partition(TP);
    AtomicBoolean started = new AtomicBoolean();
    Future<Long> appender =
        threads.submit(
            () -> {
              long acknowledged = 0;
              for (int i = 0; ; i++) {
                AppendResult result = partition.append(Batches.numbered(i, 1, 1000));
                started.set(true);
                if (result.status() == AppendStatus.CLOSED) {
                  return acknowledged;
                }
                assertThat(result.isOk()).as(result.message()).isTrue();
                acknowledged = result.lastOffset() + 1;
              }
            });
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilTrue(started);

    log.close();

    long acknowledged = appender.get(30, TimeUnit.SECONDS);
    Log reopened = logs.open();
    assertThat(reopened.partition(TP).logEndOffset()).isEqualTo(acknowledged);
  }

  /**
   * Group-commit acknowledgements complete normally while DeleteRecords removes the segments the
   * flusher is fsyncing.
   */
  @Test
  void shouldNotFailAcknowledgementsWhenDeleteRecordsRemovesSegmentsBeingFlushed()
      throws Exception {
    Log log =
        logs.open(
            io.millrace.log.LogOptions.defaults(logs.dataDirectory()).withFileDeleteDelayMs(0));
    log.createTopic(
        TP.topic(),
        1,
        Map.of(TopicConfig.SEGMENT_BYTES, "200", TopicConfig.FLUSH_INTERVAL_MS, "0"));
    PartitionLog partition = log.partition(TP);
    AtomicBoolean writing = new AtomicBoolean(true);
    Future<?> deleter =
        threads.submit(
            () -> {
              while (writing.get()) {
                partition.deleteRecordsBefore(partition.logEndOffset());
              }
              return null;
            });
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    try {
      for (int i = 0; i < 2000; i++) {
        acks.add(partition.append(Batches.numbered(i, 1, 1000)).durable());
      }
    } finally {
      writing.set(false);
    }
    deleter.get(30, TimeUnit.SECONDS);

    for (CompletableFuture<Void> ack : acks) {
      ack.get(30, TimeUnit.SECONDS);
    }
  }
}
