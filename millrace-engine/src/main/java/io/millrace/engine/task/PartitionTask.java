package io.millrace.engine.task;

import io.millrace.common.Clock;
import io.millrace.common.RetryPolicy;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.PartitionLog;
import io.millrace.log.StorageException;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one input partition: reads batches of records straight from the log, hands them to its
 * {@link BatchLogic}, appends the results to the outputs and the failures to the dead-letter topic
 * through the {@link TopicWriter}, and commits the input offset once everything a batch wrote is
 * durable. Delivery is at least once: after a crash, batches past the last commit are processed
 * again.
 *
 * <p>Bounded: at most {@link TaskOptions#maxInFlightBatches()} batches wait for durability; when
 * the writer is back-pressured the task stops reading until capacity returns. So a slow output (or
 * a slow disk) slows reading, and a task holds at most that many batches in memory.
 *
 * <p>Threading: see the package's CONCURRENCY note. Runs on a {@link WorkerPool}; {@link #start},
 * {@link #stop} and {@link #status} may be called from any thread.
 */
public final class PartitionTask {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionTask.class);

  private final TopicPartition source;
  private final PartitionLog partition;
  private final BatchLogic logic;
  private final List<OutputTarget> targets;
  private final TopicWriter writer;
  private final ProgressStore progress;
  private final WorkerPool pool;
  private final TaskOptions options;
  private final Clock clock;
  private final Random random;
  private final Runnable stepper = this::runSteps;

  private final AtomicInteger wakeups = new AtomicInteger();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final AtomicLong committedOffset = new AtomicLong(-1);
  private final AtomicLong recordsIn = new AtomicLong();
  private final AtomicLong recordsOut = new AtomicLong();
  private final AtomicLong deadLetters = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong backPressuredWaits = new AtomicLong();
  private volatile boolean started;
  private volatile boolean stopRequested;
  private volatile boolean retryDue;
  private volatile TaskState state = TaskState.CREATED;
  private volatile String failure;
  private volatile long position;

  // Owned by the thread running the current step.
  private final ArrayDeque<InFlightBatch> inFlight = new ArrayDeque<>();
  private InFlightBatch writing;
  private CompletableFuture<Void> dataWaiter;

  /** Per output, the last sink delivery issued: a sink gets one batch at a time, in order. */
  private final CompletableFuture<?>[] sinkChains;

  private boolean waitingForRetry;
  private int failedAttempts;

  public PartitionTask(
      PartitionLog partition,
      BatchLogic logic,
      List<OutputTarget> targets,
      TopicWriter writer,
      ProgressStore progress,
      WorkerPool pool,
      TaskOptions options,
      Clock clock) {
    this.source = partition.topicPartition();
    this.partition = partition;
    this.logic = logic;
    this.targets = List.copyOf(targets);
    this.writer = writer;
    this.progress = progress;
    this.pool = pool;
    this.options = options;
    this.clock = clock;
    this.random = new Random(source.hashCode() ^ clock.nanos());
    this.sinkChains = new CompletableFuture<?>[this.targets.size()];
    java.util.Arrays.fill(sinkChains, CompletableFuture.completedFuture(null));
  }

  public TopicPartition source() {
    return source;
  }

  /** Where this task's outputs go, in output order. */
  public List<OutputTarget> targets() {
    return targets;
  }

  /**
   * Starts at the committed offset, or at the log start when there is none (or when retention
   * deleted the records past the commit, which is logged).
   */
  public void start() {
    long committed = progress.committedOffset(source);
    long logStart = partition.logStartOffset();
    if (committed >= 0 && committed < logStart) {
      LOG.warn(
          "{}: pipeline {} committed {} but records up to {} were deleted by retention; skipping"
              + " to {}",
          source,
          options.pipeline(),
          committed,
          logStart,
          logStart);
    }
    position = committed >= 0 ? Math.max(committed, logStart) : logStart;
    committedOffset.set(committed);
    state = TaskState.RUNNING;
    started = true;
    wake();
  }

  /**
   * Stops reading, waits for the batches in flight to become durable and commits them. Completes
   * when the task is stopped (at once if it had failed).
   */
  public CompletableFuture<Void> stop() {
    stopRequested = true;
    for (OutputTarget target : targets) {
      if (target instanceof OutputTarget.ToSink sink) {
        sink.delivery().close(); // a batch waiting for a retry is given up, not committed
      }
    }
    wake();
    return stopped;
  }

  public TaskStatus status() {
    return new TaskStatus(
        source.topic(),
        source.partition(),
        state,
        position,
        committedOffset.get(),
        partition.logEndOffset(),
        recordsIn.get(),
        recordsOut.get(),
        deadLetters.get(),
        retries.get() + sinkRetries(),
        backPressuredWaits.get(),
        failure);
  }

  private long sinkRetries() {
    long total = 0;
    for (OutputTarget target : targets) {
      if (target instanceof OutputTarget.ToSink sink) {
        total += sink.delivery().stats().retries();
      }
    }
    return total;
  }

  // ---------------------------------------------------------------------------- scheduling

  private void wake() {
    if (wakeups.getAndIncrement() == 0) {
      submit();
    }
  }

  private void submit() {
    try {
      pool.execute(stepper);
    } catch (RejectedExecutionException e) {
      // The pool is closing: the server is shutting down and the task with it.
    }
  }

  /** One step per submission; wake-ups that came in meanwhile submit the next one. */
  private void runSteps() {
    int seen = wakeups.get();
    try {
      step();
    } catch (RuntimeException | Error e) {
      fail("unexpected error: " + e, e);
    }
    if (wakeups.addAndGet(-seen) > 0) {
      submit();
    }
  }

  // ---------------------------------------------------------------------------- the step

  private void step() {
    if (!started && !stopRequested) {
      return;
    }
    if (state == TaskState.FAILED || state == TaskState.STOPPED) {
      return;
    }
    if (!retireCompleted() || state == TaskState.FAILED) {
      return;
    }
    if (stopRequested) {
      finishStopping();
      return;
    }
    if (waitingForRetry) {
      if (!retryDue) {
        return;
      }
      waitingForRetry = false;
      retryDue = false;
    }
    if (writing != null) {
      if (!issueWrites(writing)) {
        return;
      }
      inFlight.addLast(writing);
      writing = null;
    }
    if (inFlight.size() >= options.maxInFlightBatches()) {
      return; // the oldest batch's durable acknowledgement wakes us
    }
    readAndProcess();
  }

  private void finishStopping() {
    writing = null; // never committed: read again after a restart
    if (inFlight.isEmpty()) {
      state = TaskState.STOPPED;
      stopped.complete(null);
    }
  }

  private void readAndProcess() {
    LogSlice slice;
    try {
      slice = partition.read(position, options.maxReadBytes());
    } catch (InvalidRequestException e) {
      long logStart = partition.logStartOffset();
      if (position >= logStart) {
        throw e;
      }
      LOG.warn(
          "{}: records {} to {} were deleted by retention before pipeline {} read them; skipping",
          source,
          position,
          logStart - 1,
          options.pipeline());
      position = logStart;
      wake();
      return;
    }
    if (slice.isEmpty()) {
      waitForData();
      return;
    }
    List<LogRecord> records = recordsFrom(slice);
    state = TaskState.RUNNING;
    long next = slice.nextOffset();
    if (records.isEmpty()) {
      position = next; // control batches only
      wake();
      return;
    }
    recordsIn.addAndGet(records.size());
    ProcessedBatch processed = logic.process(source, records);
    InFlightBatch batch = new InFlightBatch(next);
    plan(batch, processed);
    position = next;
    writing = batch;
    if (issueWrites(batch)) {
      inFlight.addLast(batch);
      writing = null;
      wake();
    }
  }

  private void waitForData() {
    state = TaskState.IDLE;
    if (dataWaiter == null || dataWaiter.isDone()) {
      dataWaiter = partition.onData(position);
      dataWaiter.whenComplete((ignored, error) -> wake());
    }
  }

  private List<LogRecord> recordsFrom(LogSlice slice) {
    List<LogRecord> all;
    try {
      all = RecordBatches.records(slice.read());
    } catch (IOException e) {
      throw new StorageException("reading " + source + " at " + position + " failed", e);
    }
    if (all.isEmpty() || all.get(0).offset() >= position) {
      return all;
    }
    // The first batch may start before the position (a restart inside a batch).
    List<LogRecord> records = new ArrayList<>(all.size());
    for (LogRecord record : all) {
      if (record.offset() >= position) {
        records.add(record);
      }
    }
    return records;
  }

  // ---------------------------------------------------------------------------- writing

  /** Turns a processed batch into pending appends: outputs in order, then dead letters. */
  private void plan(InFlightBatch batch, ProcessedBatch processed) {
    for (int i = 0; i < targets.size(); i++) {
      List<OutputRecord> records = processed.byOutput().get(i);
      if (records.isEmpty()) {
        continue;
      }
      recordsOut.addAndGet(records.size());
      switch (targets.get(i)) {
        case OutputTarget.ToTopic topic -> {
          for (int from = 0; from < records.size(); from += options.maxRecordsPerWrite()) {
            int to = Math.min(records.size(), from + options.maxRecordsPerWrite());
            batch.writes.addLast(PendingWrite.toOutput(topic, records.subList(from, to)));
          }
        }
        case OutputTarget.ToSink sink -> deliver(batch, i, sink, records);
      }
    }
    for (DeadLetter letter : processed.deadLetters()) {
      planDeadLetter(batch, letter);
    }
  }

  /**
   * Hands an output's records to its sink after the previous batch's delivery finished. Records the
   * sink rejects (or delivery gives up on) are kept on the batch and become dead letters when the
   * batch is retired, before its offset is committed.
   */
  private void deliver(
      InFlightBatch batch, int output, OutputTarget.ToSink sink, List<OutputRecord> records) {
    List<SinkRecord> sinkRecords = new ArrayList<>(records.size());
    for (OutputRecord record : records) {
      sinkRecords.add(
          new SinkRecord(
              source.topic(),
              source.partition(),
              record.sourceOffset(),
              record.timestampMs(),
              record.key(),
              record.value(),
              record.headers()));
    }
    batch.outstanding.incrementAndGet();
    sinkChains[output] =
        sinkChains[output]
            .handle((ignored, error) -> null)
            .thenCompose(ignored -> sink.delivery().deliver(sinkRecords))
            .whenComplete(
                (result, error) -> {
                  if (error != null) {
                    Throwable cause =
                        error instanceof CompletionException ? error.getCause() : error;
                    if (cause instanceof CancellationException) {
                      batch.cancelled = true;
                    } else {
                      batch.failure = cause;
                    }
                  } else if (!result.allDelivered()) {
                    batch.rejections.add(new SinkRejections(sink.name(), records, result));
                  }
                  batch.outstanding.decrementAndGet();
                  wake();
                });
  }

  private void planRejections(InFlightBatch batch, SinkRejections rejections) {
    for (SinkResult.Rejected rejected : rejections.result().rejected()) {
      OutputRecord record = rejections.records().get(rejected.index());
      recordsOut.decrementAndGet();
      planDeadLetter(
          batch,
          new DeadLetter(
              record.sourceOffset(),
              record.key(),
              record.value(),
              record.headers(),
              record.timestampMs(),
              "output:" + rejections.output(),
              "Rejected",
              rejected.reason()));
    }
  }

  private void planDeadLetter(InFlightBatch batch, DeadLetter letter) {
    deadLetters.incrementAndGet();
    if (options.deadLetterTopic() == null) {
      LOG.debug(
          "{}: pipeline {} dropped offset {} ({}: {}); no dead-letter topic configured",
          source,
          options.pipeline(),
          letter.sourceOffset(),
          letter.step(),
          letter.message());
      return;
    }
    WriteRecord record =
        new WriteRecord(
            WriteRecord.ANY_PARTITION,
            letter.key(),
            letter.value(),
            DeadLetterHeaders.of(
                letter, options.pipeline(), source.topic(), source.partition(), clock.millis()),
            letter.timestampMs());
    batch.writes.addLast(PendingWrite.toDeadLetters(options.deadLetterTopic(), record));
  }

  /**
   * Issues the batch's pending appends in order.
   *
   * @return true when all are issued; false when the task must wait (back-pressured, a retry
   *     backoff) or failed
   */
  private boolean issueWrites(InFlightBatch batch) {
    while (!batch.writes.isEmpty()) {
      PendingWrite write = batch.writes.peekFirst();
      WriteResult result = writer.tryWrite(write.topic(), write.records());
      switch (result.status()) {
        case OK -> {
          batch.writes.pollFirst();
          watch(batch, result.durable());
          failedAttempts = 0;
        }
        case BACK_PRESSURED -> {
          state = TaskState.BACK_PRESSURED;
          backPressuredWaits.incrementAndGet();
          writer.onCapacity().whenComplete((ignored, error) -> wake());
          return false;
        }
        case INVALID_RECORD, RECORD_TOO_LARGE, REQUEST_TOO_LARGE -> {
          batch.writes.pollFirst();
          if (write.records().size() > 1) {
            // Find the refused records by halving; the others are written as usual.
            List<PendingWrite> halves = write.halves();
            batch.writes.addFirst(halves.get(1));
            batch.writes.addFirst(halves.get(0));
          } else {
            refuse(batch, write, result.status() + ": " + result.message());
          }
        }
        case UNKNOWN_TOPIC, INVALID_PARTITION -> {
          fail("cannot write to topic " + write.topic() + ": " + result.message(), null);
          return false;
        }
        case STORAGE_ERROR, CLOSED -> {
          batch.writes.pollFirst();
          PendingWrite rest = write.unstored(result.offsets());
          if (rest.records().size() < write.records().size()) {
            watch(batch, result.durable());
          }
          batch.writes.addFirst(rest);
          retryLater(write.topic() + ": " + result.message());
          return false;
        }
      }
    }
    return true;
  }

  /** A record the log refuses for good goes to the dead letters (or, if it is one, is dropped). */
  private void refuse(InFlightBatch batch, PendingWrite write, String reason) {
    if (write.output() == null) {
      LOG.warn(
          "{}: pipeline {} could not write a dead letter to {}: {}; it is dropped",
          source,
          options.pipeline(),
          write.topic(),
          reason);
      return;
    }
    OutputRecord record = write.outputRecords().get(0);
    recordsOut.decrementAndGet();
    planDeadLetter(
        batch,
        new DeadLetter(
            record.sourceOffset(),
            record.key(),
            record.value(),
            record.headers(),
            record.timestampMs(),
            "output:" + write.output(),
            "Refused",
            reason));
  }

  private void watch(InFlightBatch batch, CompletableFuture<Void> durable) {
    batch.outstanding.incrementAndGet();
    durable.whenComplete(
        (ignored, error) -> {
          if (error != null) {
            batch.failure = error;
          }
          batch.outstanding.decrementAndGet();
          wake();
        });
  }

  private void retryLater(String reason) {
    failedAttempts++;
    retries.incrementAndGet();
    RetryPolicy policy = options.writeRetries();
    if (failedAttempts >= policy.maxAttempts()) {
      fail("giving up after " + failedAttempts + " failed writes: " + reason, null);
      return;
    }
    long delayMs = policy.delayMs(failedAttempts, 0, random);
    LOG.warn(
        "{}: pipeline {} write failed ({}); retry {} of {} in {} ms",
        source,
        options.pipeline(),
        reason,
        failedAttempts,
        policy.maxAttempts() - 1,
        delayMs);
    state = TaskState.RETRYING;
    waitingForRetry = true;
    pool.schedule(
        () -> {
          retryDue = true;
          wake();
        },
        delayMs);
  }

  // ---------------------------------------------------------------------------- committing

  /**
   * Commits the input offset past every leading batch whose appends and sink deliveries are all
   * done, dead-lettering what sinks rejected first.
   *
   * @return false when the step must stop here (failed, or a dead-letter write must wait)
   */
  private boolean retireCompleted() {
    long commitUpTo = -1;
    boolean proceed = true;
    while (!inFlight.isEmpty()) {
      InFlightBatch head = inFlight.peekFirst();
      if (head.failure != null) {
        fail("an output did not take a batch: " + head.failure, head.failure);
        return false;
      }
      if (head.cancelled) {
        // Shutdown gave up a sink batch: neither it nor anything after it is committed.
        inFlight.clear();
        break;
      }
      SinkRejections rejections;
      while ((rejections = head.rejections.poll()) != null) {
        planRejections(head, rejections);
      }
      if (!head.writes.isEmpty() && !issueWrites(head)) {
        proceed = false;
        break;
      }
      if (head.outstanding.get() > 0) {
        break;
      }
      inFlight.pollFirst();
      commitUpTo = head.nextOffset;
    }
    if (commitUpTo >= 0) {
      commit(commitUpTo);
    }
    return proceed;
  }

  private void commit(long nextOffset) {
    progress
        .commit(source, nextOffset)
        .whenComplete(
            (ignored, error) -> {
              if (error == null) {
                committedOffset.accumulateAndGet(nextOffset, Math::max);
              } else {
                LOG.warn("{}: committing offset {} failed: {}", source, nextOffset, error);
              }
            });
  }

  private void fail(String reason, Throwable cause) {
    if (state == TaskState.FAILED) {
      return;
    }
    failure = reason;
    state = TaskState.FAILED;
    inFlight.clear();
    writing = null;
    LOG.error("{}: pipeline {} task failed: {}", source, options.pipeline(), reason, cause);
    stopped.complete(null);
  }

  /** A processed batch: its pending appends and how many issued ones are not yet durable. */
  private static final class InFlightBatch {
    final long nextOffset;
    final ArrayDeque<PendingWrite> writes = new ArrayDeque<>();
    final AtomicInteger outstanding = new AtomicInteger();

    /** What sinks rejected, added by delivery callbacks before they count down. */
    final ConcurrentLinkedQueue<SinkRejections> rejections = new ConcurrentLinkedQueue<>();

    volatile Throwable failure;
    volatile boolean cancelled;

    InFlightBatch(long nextOffset) {
      this.nextOffset = nextOffset;
    }
  }

  /** An output's records of one batch and the sink's verdict on them. */
  private record SinkRejections(String output, List<OutputRecord> records, SinkResult result) {}

  /**
   * One append to issue. Output appends keep their {@link OutputRecord}s so refused ones can become
   * dead letters; dead-letter appends have no output.
   */
  private record PendingWrite(
      String topic, String output, List<WriteRecord> records, List<OutputRecord> outputRecords) {

    static PendingWrite toOutput(OutputTarget.ToTopic target, List<OutputRecord> records) {
      List<WriteRecord> writes = new ArrayList<>(records.size());
      for (OutputRecord record : records) {
        writes.add(
            new WriteRecord(
                WriteRecord.ANY_PARTITION,
                record.key(),
                record.value(),
                record.headers(),
                record.timestampMs()));
      }
      return new PendingWrite(target.topic(), target.name(), writes, List.copyOf(records));
    }

    static PendingWrite toDeadLetters(String topic, WriteRecord record) {
      return new PendingWrite(topic, null, List.of(record), null);
    }

    List<PendingWrite> halves() {
      int middle = records.size() / 2;
      return List.of(slice(0, middle), slice(middle, records.size()));
    }

    /** The records {@code offsets} says were not stored (offset -1). */
    PendingWrite unstored(long[] offsets) {
      List<WriteRecord> rest = new ArrayList<>();
      List<OutputRecord> restOutput = outputRecords == null ? null : new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        if (i >= offsets.length || offsets[i] < 0) {
          rest.add(records.get(i));
          if (restOutput != null) {
            restOutput.add(outputRecords.get(i));
          }
        }
      }
      return new PendingWrite(topic, output, rest, restOutput);
    }

    private PendingWrite slice(int from, int to) {
      return new PendingWrite(
          topic,
          output,
          records.subList(from, to),
          outputRecords == null ? null : outputRecords.subList(from, to));
    }
  }
}
