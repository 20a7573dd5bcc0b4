package io.millrace.log;

import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.BatchStamper;
import io.millrace.log.format.BatchValidator;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition of a topic: an ordered list of segments, the last of which (the active segment)
 * takes appends. Offsets are assigned here.
 *
 * <p>CONCURRENCY. Appends from any thread are serialized by {@code appendLock} (one writer at a
 * time). Readers take no lock: they see the segment map (a concurrent skip list) and the volatile
 * {@code logEndOffset}, which is published only after a batch is written and indexed. Changes to
 * the set of segments (roll, retention, compaction swap, truncation) hold {@code segmentsLock}; a
 * roll holds {@code appendLock} then {@code segmentsLock}, never the reverse. {@code flushLock}
 * serializes fsyncs so that appends go on while a group commit is in flight. Lock order:
 * appendLock, then segmentsLock, then flushLock, then checkpointLock (innermost, held only while
 * the checkpoint file is written).
 *
 * <p>Index entries of the active segment are buffered in memory and written in chunks (see {@code
 * SegmentIndex}). Only the appender, holding {@code appendLock}, adds or writes them: a roll writes
 * the sealed segment's buffered entries before the new active segment is published, and close
 * writes the active one's; so the flusher and the scheduler, which force the indexes of sealed
 * segments under {@code flushLock}, never meet a buffer that is being filled. Readers search the
 * buffered entries without a lock (a volatile count, then the chunk), and share per-segment read
 * hints (immutable records in an atomic array) that let a reader continuing from its previous slice
 * skip the first index search.
 *
 * <p>Do not interrupt a thread while it calls into the log: Java closes a {@code FileChannel} when
 * a thread doing I/O on it is interrupted, which takes that segment out of service (reads and
 * appends fail with a storage error) until the partition is reopened. The log's own threads are
 * only interrupted when it closes.
 */
public final class PartitionLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

  private static final ThreadLocal<BatchValidator> VALIDATORS =
      ThreadLocal.withInitial(BatchValidator::new);

  private final TopicPartition topicPartition;
  private final Path directory;
  private final LogServices services;
  private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
  private final ReentrantLock appendLock = new ReentrantLock();
  private final ReentrantLock segmentsLock = new ReentrantLock();
  private final ReentrantLock flushLock = new ReentrantLock();
  private final Object checkpointLock = new Object();
  private final Queue<PendingAck> pendingAcks = new ConcurrentLinkedQueue<>();
  private final Queue<DataWaiter> dataWaiters = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushRequested = new AtomicBoolean();

  /** Guarded by appendLock. */
  private final ProducerStates producerStates = new ProducerStates();

  private final Set<LogSegment> pendingDeletes = ConcurrentHashMap.newKeySet();

  private volatile TopicConfig config;
  private volatile LogSegment active;
  private volatile long logStartOffset;
  private volatile long logEndOffset;
  private volatile long durableOffset;
  private volatile long recoveryPoint;
  private volatile long firstDirtyOffset;
  private volatile long lastFlushNanos;

  /**
   * Set when a segment file was created (a roll): the directory entry of that file is not durable
   * until the partition's directory is fsynced, so the next flush does that before it declares
   * anything in the new segment durable.
   */
  private final AtomicBoolean directoryNeedsSync = new AtomicBoolean();

  private volatile boolean closed;

  private record PendingAck(long lastOffset, CompletableFuture<Void> future) {}

  private record DataWaiter(long offset, CompletableFuture<Void> future) {}

  private PartitionLog(
      TopicPartition topicPartition, Path directory, TopicConfig config, LogServices services) {
    this.topicPartition = topicPartition;
    this.directory = directory;
    this.config = config;
    this.services = services;
  }

  /**
   * Opens the partition in {@code directory}, creating it if needed. Without a clean shutdown,
   * every segment from the last recovery point on is validated and a damaged tail is cut off.
   */
  static PartitionLog open(
      TopicPartition topicPartition,
      Path directory,
      TopicConfig config,
      boolean cleanShutdown,
      LogServices services)
      throws IOException {
    Files.createDirectories(directory);
    PartitionLog partition = new PartitionLog(topicPartition, directory, config, services);
    try {
      partition.load(cleanShutdown);
    } catch (IOException | RuntimeException e) {
      partition.closeSegments();
      throw e;
    }
    return partition;
  }

  private void load(boolean cleanShutdown) throws IOException {
    PartitionCheckpoint checkpoint = PartitionCheckpoint.read(directory);
    SegmentRecovery.Result recovered =
        new SegmentRecovery(topicPartition, directory, config, services)
            .recover(checkpoint.recoveryPoint(), cleanShutdown);
    for (LogSegment segment : recovered.segments()) {
      segments.put(segment.baseOffset(), segment);
    }
    if (segments.isEmpty()) {
      long base = Math.max(checkpoint.logStartOffset(), 0);
      segments.put(base, newSegment(base));
    }
    active = segments.lastEntry().getValue();
    logEndOffset = active.nextOffset();
    logStartOffset = Math.max(checkpoint.logStartOffset(), segments.firstKey());
    logStartOffset = Math.min(logStartOffset, logEndOffset);
    // Recovery may have cut the log below the cleaned point (records compacted before their
    // fsync, then lost): offsets appended again from here on are dirty, not clean.
    firstDirtyOffset =
        Math.min(Math.max(checkpoint.firstDirtyOffset(), logStartOffset), logEndOffset);
    if (recovered.scanned()) {
      // What the scan accepted is now fsynced, so the next recovery can start from here.
      for (LogSegment segment : segments.tailMap(recovered.firstScannedBase()).values()) {
        segment.flush();
      }
    }
    durableOffset = logEndOffset;
    recoveryPoint = logEndOffset;
    writeCheckpoint();
    rebuildProducerStates();
  }

  /**
   * Reads the producer fields of the batches in the last two segments, so that a producer retrying
   * across a restart is recognised. Older producers are forgotten (see ProducerStates).
   */
  private void rebuildProducerStates() throws IOException {
    for (LogSegment segment :
        segments.descendingMap().values().stream().limit(2).toList().reversed()) {
      segment.forEachBatchHeader(header -> recordProducerBatch(header, 0));
    }
  }

  private LogSegment newSegment(long baseOffset) throws IOException {
    return LogSegment.create(
        services.fileIo(),
        directory,
        baseOffset,
        config.indexIntervalBytes(),
        services.clock().millis());
  }

  public TopicPartition topicPartition() {
    return topicPartition;
  }

  public TopicConfig config() {
    return config;
  }

  void updateConfig(TopicConfig newConfig) {
    this.config = newConfig;
  }

  /** The first offset still readable. */
  public long logStartOffset() {
    return logStartOffset;
  }

  /** The offset the next appended record will get; every offset below it is readable. */
  public long logEndOffset() {
    return logEndOffset;
  }

  /** Every offset below this one has been fsynced. */
  public long durableOffset() {
    return durableOffset;
  }

  /** Bytes stored across all segments. */
  public long sizeBytes() {
    long total = 0;
    for (LogSegment segment : segments.values()) {
      total += segment.sizeBytes();
    }
    return total;
  }

  public int segmentCount() {
    return segments.size();
  }

  Path directory() {
    return directory;
  }

  // ---------------------------------------------------------------------------------- append

  /**
   * Validates and appends the record batches between the buffer's position and limit. The buffer
   * must be writable: the log writes offsets (and log-append time) into it. Either every batch is
   * appended or none is.
   */
  public AppendResult append(ByteBuffer batches) {
    TopicConfig topicConfig = config;
    BatchValidator.Result validation =
        VALIDATORS
            .get()
            .validate(
                batches,
                topicConfig.maxMessageBytes(),
                topicConfig.cleanupPolicy() == CleanupPolicy.COMPACT);
    if (!validation.isValid()) {
      return AppendResult.failed(AppendStatus.of(validation.error()), validation.message());
    }
    AppendResult result;
    appendLock.lock();
    try {
      result = appendValidated(batches, topicConfig, validation.recordCount());
    } finally {
      appendLock.unlock();
    }
    if (result.isOk()) {
      wakeDataWaiters(result.lastOffset() + 1);
    }
    return result;
  }

  private AppendResult appendValidated(ByteBuffer batches, TopicConfig topicConfig, int records) {
    if (closed) {
      return AppendResult.failed(AppendStatus.CLOSED, topicPartition + " is closed");
    }
    long now = services.clock().millis();
    long baseOffset = logEndOffset;
    AppendResult refusal = checkProducers(batches, topicConfig);
    if (refusal != null) {
      return refusal;
    }
    try {
      maybeRoll(batches.remaining(), records, now, topicConfig);
      long appendTime =
          topicConfig.timestampType() == TimestampType.LOG_APPEND_TIME
              ? now
              : BatchStamper.KEEP_CREATE_TIME;
      long nextOffset = BatchStamper.stamp(batches, baseOffset, appendTime);
      active.append(batches);
      CompletableFuture<Void> durable = AppendResult.DONE;
      switch (topicConfig.flushPolicy()) {
        case EVERY_BATCH -> {
          logEndOffset = nextOffset;
          flushOrUndo(baseOffset);
        }
        case GROUP_COMMIT -> {
          durable = new CompletableFuture<>();
          pendingAcks.add(new PendingAck(nextOffset - 1, durable));
          logEndOffset = nextOffset;
          services.flusher().requestFlush(this);
        }
        case OS -> logEndOffset = nextOffset;
      }
      recordProducers(batches);
      return new AppendResult(
          AppendStatus.OK,
          null,
          baseOffset,
          nextOffset - 1,
          appendTime,
          logStartOffset,
          records,
          durable);
    } catch (IOException | StorageException e) {
      LOG.warn("append to {} failed: {}", topicPartition, e.toString());
      return AppendResult.failed(
          AppendStatus.STORAGE_ERROR, "append to " + topicPartition + " failed: " + e.getMessage());
    }
  }

  /**
   * The every-batch fsync. If it fails, the batch just written is cut off again: STORAGE_ERROR
   * promises that nothing of the request was stored (a producer's retry must not duplicate it), and
   * after a failed fsync the kernel may have dropped the dirty pages, so no later fsync could make
   * them durable. If the cut itself fails the batch stays, as it would under group-commit. Caller
   * holds appendLock.
   */
  private void flushOrUndo(long baseOffset) throws IOException {
    try {
      flush();
    } catch (StorageException e) {
      try {
        active.truncateTo(baseOffset);
      } catch (IOException truncateFailure) {
        e.addSuppressed(truncateFailure);
        throw e;
      }
      flushLock.lock();
      try {
        // A checkpoint failure comes after durableOffset moved: it must not stay past the end.
        durableOffset = Math.min(durableOffset, baseOffset);
        logEndOffset = baseOffset;
      } finally {
        flushLock.unlock();
      }
      throw e;
    }
  }

  /**
   * Applies the idempotent-producer rules to the batches of one append (Kafka sends one batch per
   * partition per request). Returns null to go on appending, or the answer to give instead: the
   * stored offsets for a retried batch, or a sequence or epoch error.
   */
  private AppendResult checkProducers(ByteBuffer batches, TopicConfig topicConfig) {
    int position = batches.position();
    int end = batches.limit();
    boolean singleBatch = position + BatchLayout.sizeInBytes(batches, position) == end;
    for (; position < end; position += BatchLayout.sizeInBytes(batches, position)) {
      long producerId = BatchLayout.producerId(batches, position);
      if (producerId < 0) {
        continue;
      }
      short epoch = BatchLayout.producerEpoch(batches, position);
      int firstSequence = BatchLayout.baseSequence(batches, position);
      int lastSequence = BatchLayout.lastSequence(batches, position);
      switch (producerStates.check(producerId, epoch, firstSequence, lastSequence)) {
        case APPEND -> {}
        case DUPLICATE -> {
          if (!singleBatch) {
            return AppendResult.failed(
                AppendStatus.INVALID_RECORD, "a retried batch inside a multi-batch append");
          }
          ProducerStates.BatchMetadata stored =
              producerStates.duplicateOf(producerId, firstSequence, lastSequence);
          return duplicateResult(stored, topicConfig);
        }
        case OUT_OF_ORDER -> {
          return AppendResult.failed(
              AppendStatus.OUT_OF_ORDER_SEQUENCE,
              "producer "
                  + producerId
                  + " sent sequence "
                  + firstSequence
                  + " out of order to "
                  + topicPartition);
        }
        case FENCED -> {
          return AppendResult.failed(
              AppendStatus.INVALID_PRODUCER_EPOCH,
              "producer " + producerId + " epoch " + epoch + " is fenced on " + topicPartition);
        }
      }
    }
    return null;
  }

  /** The answer to a retried batch: where it was stored, durable when the original is. */
  private AppendResult duplicateResult(
      ProducerStates.BatchMetadata stored, TopicConfig topicConfig) {
    CompletableFuture<Void> durable = AppendResult.DONE;
    if (topicConfig.flushPolicy() == FlushPolicy.GROUP_COMMIT
        && stored.lastOffset() >= durableOffset) {
      durable = new CompletableFuture<>();
      pendingAcks.add(new PendingAck(stored.lastOffset(), durable));
      services.flusher().requestFlush(this);
    }
    return new AppendResult(
        AppendStatus.OK,
        null,
        stored.firstOffset(),
        stored.lastOffset(),
        -1,
        logStartOffset,
        0,
        durable);
  }

  /** Remembers where the (now stamped and stored) producer batches landed. */
  private void recordProducers(ByteBuffer batches) {
    int end = batches.limit();
    for (int position = batches.position();
        position < end;
        position += BatchLayout.sizeInBytes(batches, position)) {
      recordProducerBatch(batches, position);
    }
  }

  private void recordProducerBatch(ByteBuffer header, int position) {
    long producerId = BatchLayout.producerId(header, position);
    if (producerId >= 0 && !BatchLayout.isControl(header, position)) {
      producerStates.record(
          producerId,
          BatchLayout.producerEpoch(header, position),
          new ProducerStates.BatchMetadata(
              BatchLayout.baseSequence(header, position),
              BatchLayout.lastSequence(header, position),
              BatchLayout.baseOffset(header, position),
              BatchLayout.lastOffset(header, position)));
    }
  }

  /** Starts a new active segment when the next append would overflow it or it is too old. */
  private void maybeRoll(int incomingBytes, int incomingRecords, long nowMs, TopicConfig cfg)
      throws IOException {
    LogSegment current = active;
    if (current.isEmpty()) {
      return;
    }
    boolean full = (long) current.sizeBytes() + incomingBytes > cfg.segmentBytes();
    boolean old = nowMs - current.createdMs() >= cfg.segmentMs();
    boolean offsetsOverflow =
        logEndOffset + incomingRecords - current.baseOffset() > Integer.MAX_VALUE;
    if (full || old || offsetsOverflow) {
      roll();
    }
  }

  /** Seals the active segment and starts a new one at the log end. Caller holds appendLock. */
  private void roll() throws IOException {
    LogSegment sealed = active;
    // Its buffered index entries go to the file now, by the writer: once sealed, the index is
    // forced by the flusher and the scheduler, which must not race with the writer's buffer.
    sealed.writePendingIndexEntries();
    LogSegment fresh = newSegment(logEndOffset);
    directoryNeedsSync.set(true);
    segmentsLock.lock();
    try {
      segments.put(fresh.baseOffset(), fresh);
      active = fresh;
    } finally {
      segmentsLock.unlock();
    }
    // The sealed segment is fsynced off the append path; then the recovery point moves past it.
    try {
      services.scheduler().execute(() -> flushSealed(sealed));
    } catch (RejectedExecutionException e) {
      // The log is closing (its scheduler stops first); closing this partition fsyncs every
      // segment, so the append goes on rather than failing with an unchecked exception.
    }
  }

  private void flushSealed(LogSegment sealed) {
    try {
      flush(sealed.nextOffset());
    } catch (StorageException e) {
      LOG.warn("flush of sealed segment {} failed: {}", sealed, e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------- durability

  /** Fsyncs everything appended so far and completes the acknowledgements it covers. */
  public void flush() {
    flush(logEndOffset);
  }

  /** Called by the group-commit flusher; returns false if it was already clean. */
  boolean takeFlushRequest() {
    return flushRequested.getAndSet(false);
  }

  boolean markFlushRequested() {
    return flushRequested.compareAndSet(false, true);
  }

  long lastFlushNanos() {
    return lastFlushNanos;
  }

  /**
   * Fsyncs the records of every segment holding offsets below {@code targetOffset} that is not yet
   * durable, and moves the recovery point past the sealed segments this makes wholly durable.
   *
   * <p>Only the {@code .log} files are forced for the acknowledgements: after a crash, recovery
   * scans every segment from the one holding the recovery point on and rebuilds its index, so an
   * index matters only once the recovery point passes its segment; {@link #flushIndexesBelow}
   * forces it just before that. (Forcing the index on every group commit doubled the fsyncs.)
   */
  void flush(long targetOffset) {
    flushLock.lock();
    try {
      lastFlushNanos = services.clock().nanos();
      long target = Math.min(targetOffset, logEndOffset);
      if (target > durableOffset) {
        Long from = segments.floorKey(durableOffset);
        for (LogSegment segment :
            (from == null ? segments : segments.tailMap(from, true)).values()) {
          if (segment.baseOffset() >= target) {
            break;
          }
          try {
            segment.flushLog();
          } catch (ClosedChannelException e) {
            if (segments.get(segment.baseOffset()) == segment) {
              throw e; // still part of the log: its data is not durable
            }
            // Deleted or compacted away meanwhile: nothing in it needs to be durable any more.
          }
        }
        syncDirectoryIfNeeded();
        durableOffset = target;
        if (closed) {
          return;
        }
        long sealedEnd = lastSealedEndAtOrBelow(target);
        if (sealedEnd > recoveryPoint) {
          flushIndexesBelow(sealedEnd);
          recoveryPoint = sealedEnd;
          writeCheckpoint();
        }
      }
    } catch (ClosedChannelException e) {
      if (closed) {
        return;
      }
      // A channel closes under us when a thread doing I/O on it was interrupted: the data it
      // holds cannot be made durable, so this is a storage failure like any other.
      StorageException failure =
          new StorageException("fsync of " + topicPartition + " failed: file channel closed", e);
      failPendingAcks(failure);
      throw failure;
    } catch (IOException e) {
      StorageException failure = new StorageException("fsync of " + topicPartition + " failed", e);
      failPendingAcks(failure);
      throw failure;
    } finally {
      flushLock.unlock();
    }
    completePendingAcks();
  }

  /**
   * Makes the creation of rolled segment files durable (an fsync of a file does not cover its
   * directory entry: after a power loss the file could be gone). Once per roll. Caller holds
   * flushLock.
   */
  private void syncDirectoryIfNeeded() throws IOException {
    if (directoryNeedsSync.getAndSet(false)) {
      try {
        io.millrace.log.segment.Io.fsyncDirectory(services.fileIo(), directory);
      } catch (IOException e) {
        directoryNeedsSync.set(true);
        throw e;
      }
    }
  }

  /**
   * Fsyncs the index of every segment from the one holding the recovery point up to {@code
   * endOffset}: recovery trusts these segments without a scan once the recovery point is past them.
   */
  private void flushIndexesBelow(long endOffset) throws IOException {
    Long from = segments.floorKey(recoveryPoint);
    for (LogSegment segment : (from == null ? segments : segments.tailMap(from, true)).values()) {
      if (segment.baseOffset() >= endOffset) {
        break;
      }
      try {
        segment.flushIndex();
      } catch (ClosedChannelException e) {
        if (segments.get(segment.baseOffset()) == segment) {
          throw e;
        }
        // Deleted or compacted away meanwhile: recovery will not look for it.
      }
    }
  }

  /** The end offset of the last sealed segment that lies wholly below {@code offset}. */
  private long lastSealedEndAtOrBelow(long offset) {
    long end = recoveryPoint;
    Long from = segments.floorKey(recoveryPoint);
    for (LogSegment segment : (from == null ? segments : segments.tailMap(from, true)).values()) {
      if (segment == active || segment.nextOffset() > offset) {
        break;
      }
      end = segment.nextOffset();
    }
    return end;
  }

  private void completePendingAcks() {
    long durable = durableOffset;
    PendingAck head;
    while ((head = pendingAcks.peek()) != null && head.lastOffset() < durable) {
      if (pendingAcks.remove(head)) {
        head.future().complete(null);
      }
    }
  }

  private void failPendingAcks(StorageException failure) {
    PendingAck head;
    while ((head = pendingAcks.poll()) != null) {
      head.future().completeExceptionally(failure);
    }
  }

  /**
   * The flusher, retention, DeleteRecords, compaction and close all write the checkpoint, each
   * under a different lock, so it has its own: the file is replaced through one temporary name (two
   * writers at once lose one rename and corrupt the other's content), and reading the values inside
   * the lock keeps an older snapshot from overwriting a newer one.
   */
  private void writeCheckpoint() throws IOException {
    synchronized (checkpointLock) {
      new PartitionCheckpoint(recoveryPoint, logStartOffset, firstDirtyOffset).write(directory);
    }
  }

  // ----------------------------------------------------------------------------------- reads

  /**
   * Whole batches starting with the one that holds {@code offset}, at most {@code maxBytes} of them
   * (but always one whole batch, however large). An empty slice means {@code offset} is the log end
   * offset.
   *
   * @throws InvalidRequestException with OFFSET_OUT_OF_RANGE below the log start or past the end
   */
  public LogSlice read(long offset, int maxBytes) {
    for (int attempt = 0; ; attempt++) {
      long end = logEndOffset;
      long start = logStartOffset;
      if (offset < start || offset > end) {
        throw new InvalidRequestException(
            InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE,
            "offset " + offset + " is outside [" + start + ", " + end + "] of " + topicPartition);
      }
      try {
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
          entry = segments.firstEntry();
        }
        while (entry != null) {
          LogSlice slice = entry.getValue().slice(offset, maxBytes, true, end);
          if (slice != null) {
            return slice;
          }
          entry = segments.higherEntry(entry.getKey());
        }
        return new LogSlice(active.channel(), active.sizeBytes(), 0, end, end - 1);
      } catch (ClosedChannelException e) {
        // The segment was deleted or replaced under us: look again in the current segment list.
        if (attempt >= 3 || closed) {
          throw new StorageException("reading " + topicPartition + " failed: closed", e);
        }
      } catch (IOException e) {
        throw new StorageException("reading " + topicPartition + " at " + offset + " failed", e);
      }
    }
  }

  /**
   * The first readable offset (at or after the log start) whose record timestamp is at least {@code
   * timestampMs}, or -1 if every readable record is older.
   */
  public long offsetForTimestamp(long timestampMs) {
    // Search from the log start itself: records below it are deleted, and raising an answer below
    // it to it would name a record whose timestamp may be older than asked.
    long start = logStartOffset;
    // A segment holds a batch a moment before the log end offset covers it (see read): an answer
    // there would send a consumer past the end it is allowed to fetch from.
    long end = logEndOffset;
    try {
      for (LogSegment segment : segments.values()) {
        if (segment.nextOffset() > start && segment.maxTimestamp() >= timestampMs) {
          long found = segment.offsetForTimestamp(timestampMs, start);
          if (found >= end) {
            return -1;
          }
          if (found >= 0) {
            return found;
          }
        }
      }
      return -1;
    } catch (IOException e) {
      throw new StorageException("timestamp lookup in " + topicPartition + " failed", e);
    }
  }

  /** Completes once the log end offset is past {@code offset} (data at that offset exists). */
  public CompletableFuture<Void> onData(long offset) {
    if (logEndOffset > offset || closed) {
      return AppendResult.DONE;
    }
    DataWaiter waiter = new DataWaiter(offset, new CompletableFuture<>());
    dataWaiters.add(waiter);
    // A waiter given up on (a long poll that timed out) leaves at once, not at the next append:
    // an idle partition polled forever must not collect waiters.
    waiter.future().whenComplete((ignored, failure) -> dataWaiters.remove(waiter));
    if (logEndOffset > offset || closed) {
      dataWaiters.remove(waiter);
      waiter.future().complete(null);
    }
    return waiter.future();
  }

  /**
   * Waits without spinning until data at {@code offset} exists or the timeout passes.
   *
   * @return true if data is there
   */
  public boolean awaitData(long offset, long timeoutMs) throws InterruptedException {
    CompletableFuture<Void> future = onData(offset);
    try {
      future.get(timeoutMs, TimeUnit.MILLISECONDS);
      return logEndOffset > offset;
    } catch (TimeoutException e) {
      future.cancel(false);
      dataWaiters.removeIf(w -> w.future() == future);
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private void wakeDataWaiters(long newEnd) {
    if (dataWaiters.isEmpty()) {
      return;
    }
    dataWaiters.removeIf(
        waiter -> {
          if (waiter.offset() < newEnd || waiter.future().isDone()) {
            waiter.future().complete(null);
            return true;
          }
          return false;
        });
  }

  // ------------------------------------------------------------------------------- retention

  /**
   * Makes offsets below {@code offset} unreadable (Kafka DeleteRecords) and deletes the segments
   * that lie wholly below it.
   *
   * @return the new log start offset
   */
  public long deleteRecordsBefore(long offset) {
    if (offset > logEndOffset || offset < 0) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE,
          "cannot delete before " + offset + ": log end offset is " + logEndOffset);
    }
    segmentsLock.lock();
    try {
      if (offset > logStartOffset) {
        logStartOffset = offset;
        firstDirtyOffset = Math.max(firstDirtyOffset, offset);
        writeCheckpoint();
      }
      deleteSegmentsBelowStart();
      return logStartOffset;
    } catch (IOException e) {
      throw new StorageException("delete records in " + topicPartition + " failed", e);
    } finally {
      segmentsLock.unlock();
    }
  }

  /**
   * Applies retention.ms and retention.bytes: deletes the oldest segments that are too old or
   * beyond the size limit. An expired active segment is rolled first so it can go too.
   *
   * @return the number of segments deleted
   */
  int enforceRetention(long nowMs) {
    TopicConfig cfg = config;
    if (cfg.cleanupPolicy() != CleanupPolicy.DELETE || closed) {
      return 0;
    }
    try {
      if (cfg.retentionMs() >= 0 && isExpired(active, nowMs, cfg)) {
        appendLock.lock();
        try {
          if (!active.isEmpty() && isExpired(active, nowMs, cfg)) {
            roll();
          }
        } finally {
          appendLock.unlock();
        }
      }
      segmentsLock.lock();
      try {
        int deleted = 0;
        long size = sizeBytes();
        for (LogSegment segment : List.copyOf(segments.values())) {
          if (segment == active) {
            break;
          }
          boolean tooOld = cfg.retentionMs() >= 0 && isExpired(segment, nowMs, cfg);
          boolean tooBig =
              cfg.retentionBytes() >= 0 && size - segment.sizeBytes() >= cfg.retentionBytes();
          if (!tooOld && !tooBig) {
            break;
          }
          size -= segment.sizeBytes();
          deleteSegment(segment, tooOld ? "retention.ms" : "retention.bytes");
          deleted++;
        }
        if (deleted > 0) {
          logStartOffset = Math.max(logStartOffset, segments.firstKey());
          firstDirtyOffset = Math.max(firstDirtyOffset, logStartOffset);
          writeCheckpoint();
        }
        return deleted;
      } finally {
        segmentsLock.unlock();
      }
    } catch (IOException e) {
      LOG.warn("retention on {} failed: {}", topicPartition, e.toString());
      return 0;
    }
  }

  private static boolean isExpired(LogSegment segment, long nowMs, TopicConfig cfg) {
    return !segment.isEmpty() && segment.maxTimestamp() < nowMs - cfg.retentionMs();
  }

  /** Deletes sealed segments whose records all lie below the log start offset. */
  private void deleteSegmentsBelowStart() throws IOException {
    for (LogSegment segment : List.copyOf(segments.values())) {
      if (segment == active || segment.nextOffset() > logStartOffset) {
        break;
      }
      deleteSegment(segment, "log start offset " + logStartOffset);
    }
  }

  /** Removes a segment from the list now and its files after file.delete.delay.ms. */
  private void deleteSegment(LogSegment segment, String reason) throws IOException {
    segments.remove(segment.baseOffset());
    segment.markDeleted();
    LOG.info(
        "{}: deleted segment {} (offsets {}-{}) by {}",
        topicPartition,
        LogSegment.fileName(segment.baseOffset()),
        segment.baseOffset(),
        segment.nextOffset() - 1,
        reason);
    scheduleDelete(segment);
  }

  private void scheduleDelete(LogSegment segment) {
    // Tracked until deleted: the scheduler drops delayed tasks when the log closes, and close()
    // must still close these files rather than leak their descriptors.
    pendingDeletes.add(segment);
    try {
      services
          .scheduler()
          .schedule(
              () -> deletePending(segment), services.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      deletePending(segment); // the log is closing: no reader is left to wait for
    }
  }

  private void deletePending(LogSegment segment) {
    if (!pendingDeletes.remove(segment)) {
      return;
    }
    try {
      segment.closeAndDelete();
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", segment, e.toString());
    }
  }

  // ------------------------------------------------------------------------------ compaction

  /** Sealed segments in offset order: everything but the active segment. */
  List<LogSegment> sealedSegments() {
    // Only segments below the active one we read: if a roll happens between reading it and
    // walking the map, the new active segment must not be handed to the cleaner as sealed.
    return new ArrayList<>(segments.headMap(active.baseOffset()).values());
  }

  long firstDirtyOffset() {
    return firstDirtyOffset;
  }

  /**
   * Swaps compacted segments in for the ones they replace, crash-safely: the cleaned files are
   * renamed to {@code .swap} (from then on recovery completes the swap), the replaced files are
   * renamed to {@code .deleted}, then the swap files take their final names.
   *
   * @return false if retention removed one of the replaced segments meanwhile (nothing changed)
   */
  boolean replaceSegments(
      List<List<LogSegment>> groups, List<LogSegment> cleaned, long newFirstDirty)
      throws IOException {
    segmentsLock.lock();
    try {
      for (List<LogSegment> group : groups) {
        for (LogSegment old : group) {
          if (segments.get(old.baseOffset()) != old) {
            return false;
          }
        }
      }
      for (LogSegment segment : cleaned) {
        segment.flush();
        segment.renameTo(LogSegment.SWAP_SUFFIX);
      }
      io.millrace.log.segment.Io.fsyncDirectory(directory);
      for (int i = 0; i < groups.size(); i++) {
        for (LogSegment old : groups.get(i)) {
          segments.remove(old.baseOffset());
          old.markDeleted();
          scheduleDelete(old);
        }
        LogSegment replacement = cleaned.get(i);
        replacement.renameTo("");
        segments.put(replacement.baseOffset(), replacement);
      }
      io.millrace.log.segment.Io.fsyncDirectory(directory);
      firstDirtyOffset = Math.max(firstDirtyOffset, newFirstDirty);
      writeCheckpoint();
      return true;
    } finally {
      segmentsLock.unlock();
    }
  }

  Path partitionDirectory() {
    return directory;
  }

  LogServices services() {
    return services;
  }

  // ----------------------------------------------------------------------------------- close

  /** Flushes everything, writes the recovery point and closes the files. Idempotent. */
  @Override
  public void close() throws IOException {
    appendLock.lock();
    try {
      if (closed) {
        return;
      }
      try {
        flush();
        // A clean shutdown trusts every segment, the active one too: their indexes go to disk.
        flushLock.lock();
        try {
          flushIndexesBelow(Long.MAX_VALUE);
          recoveryPoint = logEndOffset;
          writeCheckpoint();
        } finally {
          flushLock.unlock();
        }
      } finally {
        closed = true;
        failPendingAcks(new StorageException(topicPartition + " closed", null));
        dataWaiters.forEach(w -> w.future().complete(null));
        dataWaiters.clear();
        closeSegments();
      }
    } finally {
      appendLock.unlock();
    }
  }

  /** Closes, logging instead of throwing (used when the caller is already failing). */
  void closeQuietly() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing {} failed: {}", topicPartition, e.toString());
    }
  }

  /** Closes the partition and removes its directory (topic deletion). */
  void closeAndDelete() throws IOException {
    close();
    io.millrace.log.segment.Io.deleteRecursively(directory);
  }

  private void closeSegments() {
    for (LogSegment segment : List.copyOf(pendingDeletes)) {
      deletePending(segment);
    }
    for (LogSegment segment : segments.values()) {
      try {
        segment.close();
      } catch (IOException e) {
        LOG.warn("closing {} failed: {}", segment, e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "PartitionLog["
        + topicPartition
        + ", start="
        + logStartOffset
        + ", end="
        + logEndOffset
        + "]";
  }
}
