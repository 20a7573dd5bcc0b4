package io.millrace.log.write;

import io.millrace.common.Clock;
import io.millrace.log.AppendResult;
import io.millrace.log.AppendStatus;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicDescription;
import io.millrace.log.format.BatchEncoder;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.LogRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-process write path: turns records into record batches v2 and appends them to a topic's
 * partitions, with backpressure. HTTP push and the pull sources write through it; the Kafka
 * listener does not (it appends the batches its clients built).
 *
 * <p><b>Partitioning.</b> A record with an explicit partition goes there. A keyed record goes where
 * a Kafka producer would put it ({@link KafkaPartitioner}: murmur2 of the key). Keyless records of
 * one call all go to one partition, the next partition in round-robin order for each call (sticky
 * per call, so a call's keyless records form one atomic append).
 *
 * <p><b>What is atomic.</b> Every record of a call is checked and encoded, and the call's whole
 * byte budget reserved, before anything is appended: bad input ({@link WriteStatus#INVALID_RECORD},
 * {@link WriteStatus#INVALID_PARTITION}, {@link WriteStatus#RECORD_TOO_LARGE}, …) and {@link
 * WriteStatus#BACK_PRESSURED} store nothing. The records for one partition become batches of at
 * most the topic's max.message.bytes and one append, which the log stores whole or not at all. A
 * call spanning several partitions makes one append per partition, in partition order; if the
 * environment fails one of them ({@link WriteStatus#STORAGE_ERROR}, {@link WriteStatus#CLOSED}),
 * the partitions appended before stay stored and the later ones are not tried. {@link
 * WriteResult#offsets()} then says exactly which records were stored (offset ≥ 0), so a caller can
 * retry only the rest.
 *
 * <p><b>Backpressure.</b> The bytes appended but not yet durable are bounded globally and per
 * partition ({@link WriterOptions}); a call that would exceed either returns {@link
 * WriteStatus#BACK_PRESSURED} at once, without blocking and without an exception. {@link
 * #onCapacity()} tells a waiting source when to try again.
 *
 * <p>THREADING. Thread-safe; any number of threads (platform or virtual) may call {@link #tryWrite}
 * at once. It never blocks on the budget; the append itself takes the partition's append lock
 * briefly (and fsyncs inline under flush.policy=every-batch). Encoders are pooled, so a call
 * allocates per partition and per call, not per record.
 */
public final class TopicWriter {

  private static final int POOLED_ENCODERS = 16;
  private static final int MAX_POOLED_ENCODER_BYTES = 1 << 20;

  private final Log log;
  private final Clock clock;
  private final WriterOptions options;
  private final WriteBudget budget;
  private final ArrayBlockingQueue<BatchEncoder> encoders =
      new ArrayBlockingQueue<>(POOLED_ENCODERS);
  private final Map<String, AtomicInteger> nextKeylessPartition = new ConcurrentHashMap<>();

  public TopicWriter(Log log, WriterOptions options) {
    this.log = log;
    this.clock = log.options().clock();
    this.options = options;
    this.budget = new WriteBudget(options.maxPendingBytes(), options.maxPendingBytesPerPartition());
  }

  /**
   * Writes {@code records} to {@code topic} if the budget allows; never blocks on backpressure. See
   * the class comment for what is atomic.
   */
  public WriteResult tryWrite(String topic, List<WriteRecord> records) {
    if (records.isEmpty() || records.size() > options.maxRecordsPerWrite()) {
      return WriteResult.refused(
          WriteStatus.REQUEST_TOO_LARGE,
          "a write carries 1 to "
              + options.maxRecordsPerWrite()
              + " records, not "
              + records.size());
    }
    Optional<TopicDescription> description = log.describeTopic(topic);
    List<PartitionLog> partitions;
    try {
      partitions = description.isEmpty() ? null : log.partitions(topic);
    } catch (InvalidRequestException e) {
      partitions = null; // deleted since describeTopic
    }
    if (partitions == null) {
      return WriteResult.refused(WriteStatus.UNKNOWN_TOPIC, "unknown topic " + topic);
    }
    boolean compacted = description.get().config().cleanupPolicy() == CleanupPolicy.COMPACT;
    int[] partitionOf = new int[records.size()];
    WriteResult refusal =
        choosePartitions(topic, records, partitions.size(), compacted, partitionOf);
    if (refusal != null) {
      return refusal;
    }
    BatchEncoder encoder = takeEncoder();
    try {
      return encodeAndAppend(
          description.get(), partitions, records, partitionOf, encoder, clock.millis());
    } finally {
      giveBack(encoder);
    }
  }

  /** Completes when backpressure may have eased (at the next durable acknowledgement). */
  public CompletableFuture<Void> onCapacity() {
    return budget.onCapacity();
  }

  /** The limits this writer was built with. */
  public WriterOptions options() {
    return options;
  }

  /** Bytes appended through this writer that are not yet durable. */
  public long pendingBytes() {
    return budget.pendingBytes();
  }

  // ------------------------------------------------------------------------ the steps

  /** Checks every record and fills {@code partitionOf}; returns a refusal or null. */
  private WriteResult choosePartitions(
      String topic,
      List<WriteRecord> records,
      int partitionCount,
      boolean compacted,
      int[] partitionOf) {
    int keyless = -1;
    for (int i = 0; i < records.size(); i++) {
      WriteRecord record = records.get(i);
      if (record.key() == null && compacted) {
        return WriteResult.refused(
            WriteStatus.INVALID_RECORD,
            "record " + i + " has no key; topic " + topic + " is compacted and needs one");
      }
      for (LogRecord.Header header : record.headers()) {
        if (header == null || header.key() == null) {
          return WriteResult.refused(
              WriteStatus.INVALID_RECORD, "record " + i + " has a header without a key");
        }
      }
      if (record.partition() != WriteRecord.ANY_PARTITION) {
        if (record.partition() < 0 || record.partition() >= partitionCount) {
          return WriteResult.refused(
              WriteStatus.INVALID_PARTITION,
              "record "
                  + i
                  + " names partition "
                  + record.partition()
                  + "; topic "
                  + topic
                  + " has "
                  + partitionCount);
        }
        partitionOf[i] = record.partition();
      } else if (record.key() != null) {
        partitionOf[i] = KafkaPartitioner.partitionOf(record.key(), partitionCount);
      } else {
        if (keyless < 0) {
          keyless = nextKeyless(topic, partitionCount);
        }
        partitionOf[i] = keyless;
      }
    }
    return null;
  }

  private int nextKeyless(String topic, int partitionCount) {
    AtomicInteger next = nextKeylessPartition.computeIfAbsent(topic, t -> new AtomicInteger());
    return (next.getAndIncrement() & 0x7fffffff) % partitionCount;
  }

  /**
   * Encodes each partition's records (in call order) as consecutive batches of at most the topic's
   * max.message.bytes, reserves the budget, then appends partition by partition: one append per
   * partition, which the log stores whole or not at all.
   */
  private WriteResult encodeAndAppend(
      TopicDescription topic,
      List<PartitionLog> partitions,
      List<WriteRecord> records,
      int[] partitionOf,
      BatchEncoder encoder,
      long nowMs) {
    int partitionCount = partitions.size();
    long[] offsets = new long[records.size()];
    int[] regionStart = new int[partitionCount];
    int[] regionBytes = new int[partitionCount];
    Arrays.fill(regionStart, -1);
    int[] order = groupByPartition(partitionOf, partitionCount);
    encoder.reset();
    int maxMessageBytes = topic.config().maxMessageBytes();
    int count = records.size();
    int i = 0;
    while (i < count) {
      int partition = partitionOf[order[i]];
      int indexInPartition = 0;
      encoder.beginBatch();
      int start = encoder.buffer().position() - encoder.openBatchBytes();
      regionStart[partition] = start;
      for (; i < count && partitionOf[order[i]] == partition; i++) {
        WriteRecord record = records.get(order[i]);
        if (encoder.recordCount() > 0
            && encoder.openBatchBytes()
                    + BatchEncoder.maxRecordBytes(record.key(), record.value(), record.headers())
                > maxMessageBytes) {
          if (!closeBatch(encoder, maxMessageBytes)) {
            return tooLarge(topic, partition, maxMessageBytes);
          }
          encoder.beginBatch();
        }
        offsets[order[i]] = indexInPartition++; // the index in the partition's records, for now
        long timestamp = record.timestampMs() == WriteRecord.NOW ? nowMs : record.timestampMs();
        if (!encoder.addRecord(timestamp, record.key(), record.value(), record.headers())) {
          return WriteResult.refused(
              WriteStatus.REQUEST_TOO_LARGE,
              "the records of one write exceed " + options.maxBytesPerWrite() + " bytes");
        }
      }
      if (!closeBatch(encoder, maxMessageBytes)) {
        return tooLarge(topic, partition, maxMessageBytes);
      }
      regionBytes[partition] = encoder.buffer().position() - start;
    }
    if (!reserveAll(partitions, regionStart, regionBytes)) {
      return WriteResult.refused(
          WriteStatus.BACK_PRESSURED,
          "more than the allowed bytes are waiting to become durable; retry later");
    }
    return appendAll(
        topic.name(), partitions, encoder, regionStart, regionBytes, partitionOf, offsets);
  }

  /** Ends the open batch; false if it exceeds max.message.bytes (one record alone too large). */
  private static boolean closeBatch(BatchEncoder encoder, int maxMessageBytes) {
    int start = encoder.endBatch();
    return BatchLayout.sizeInBytes(encoder.buffer(), start) <= maxMessageBytes;
  }

  private static WriteResult tooLarge(TopicDescription topic, int partition, int maxMessageBytes) {
    return WriteResult.refused(
        WriteStatus.RECORD_TOO_LARGE,
        "a record for partition "
            + partition
            + " makes a batch larger than max.message.bytes="
            + maxMessageBytes
            + " of topic "
            + topic.name());
  }

  /**
   * Record indexes sorted by partition, stable within a partition (a counting sort). A call whose
   * records all go to one partition (the usual case) gets a shared identity order.
   */
  private static int[] groupByPartition(int[] partitionOf, int partitionCount) {
    if (onePartition(partitionOf)) {
      return identity(partitionOf.length);
    }
    int[] firstSlot = new int[partitionCount + 1];
    for (int partition : partitionOf) {
      firstSlot[partition + 1]++;
    }
    for (int p = 0; p < partitionCount; p++) {
      firstSlot[p + 1] += firstSlot[p];
    }
    int[] order = new int[partitionOf.length];
    for (int i = 0; i < partitionOf.length; i++) {
      order[firstSlot[partitionOf[i]]++] = i;
    }
    return order;
  }

  private static boolean onePartition(int[] partitionOf) {
    for (int i = 1; i < partitionOf.length; i++) {
      if (partitionOf[i] != partitionOf[0]) {
        return false;
      }
    }
    return true;
  }

  /** 0, 1, 2, … shared by every call; grown (and replaced) for a larger call, never changed. */
  private static volatile int[] identityOrder = new int[0];

  private static int[] identity(int length) {
    int[] order = identityOrder;
    if (order.length < length) {
      order = new int[Math.max(length, 2 * order.length)];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      identityOrder = order;
    }
    return order;
  }

  private boolean reserveAll(List<PartitionLog> partitions, int[] starts, int[] bytes) {
    for (int p = 0; p < starts.length; p++) {
      if (starts[p] >= 0 && !budget.tryReserve(partitions.get(p), bytes[p])) {
        for (int taken = 0; taken < p; taken++) {
          if (starts[taken] >= 0) {
            budget.release(partitions.get(taken), bytes[taken]);
          }
        }
        return false;
      }
    }
    return true;
  }

  private WriteResult appendAll(
      String topic,
      List<PartitionLog> partitions,
      BatchEncoder encoder,
      int[] starts,
      int[] regionBytes,
      int[] partitionOf,
      long[] offsets) {
    long[] baseOffsets = new long[starts.length];
    CompletableFuture<Void> durable = null;
    WriteStatus failure = null;
    String failureMessage = null;
    int appended = 0;
    for (int p = 0; p < starts.length; p++) {
      if (starts[p] < 0) {
        continue;
      }
      PartitionLog partition = partitions.get(p);
      long bytes = regionBytes[p];
      if (failure != null) {
        budget.release(partition, bytes);
        baseOffsets[p] = -1;
        continue;
      }
      AppendResult result = partition.append(encoder.buffer().slice(starts[p], regionBytes[p]));
      if (!result.isOk()) {
        budget.release(partition, bytes);
        baseOffsets[p] = -1;
        failure = result.status() == AppendStatus.CLOSED ? WriteStatus.CLOSED : statusOf(result);
        failureMessage = result.message();
        continue;
      }
      baseOffsets[p] = result.baseOffset();
      result.durable().whenComplete((ignored, error) -> budget.release(partition, bytes));
      durable =
          appended++ == 0 ? result.durable() : CompletableFuture.allOf(durable, result.durable());
    }
    for (int i = 0; i < offsets.length; i++) {
      long base = baseOffsets[partitionOf[i]];
      offsets[i] = base < 0 ? -1 : base + offsets[i];
    }
    if (durable == null) {
      durable = CompletableFuture.completedFuture(null);
    }
    if (failure != null) {
      return new WriteResult(
          failure,
          "writing to " + topic + " failed: " + failureMessage,
          partitionOf,
          offsets,
          durable);
    }
    return new WriteResult(WriteStatus.OK, null, partitionOf, offsets, durable);
  }

  /**
   * A batch this writer built was refused by the log: storage trouble, or a rule the writer's own
   * checks missed (reported as invalid record so the caller sees bad data, not a retriable error).
   */
  private static WriteStatus statusOf(AppendResult result) {
    return switch (result.status()) {
      case STORAGE_ERROR -> WriteStatus.STORAGE_ERROR;
      case CLOSED -> WriteStatus.CLOSED;
      case RECORD_TOO_LARGE -> WriteStatus.RECORD_TOO_LARGE;
      default -> WriteStatus.INVALID_RECORD;
    };
  }

  private BatchEncoder takeEncoder() {
    BatchEncoder encoder = encoders.poll();
    return encoder != null ? encoder : new BatchEncoder(options.maxBytesPerWrite());
  }

  private void giveBack(BatchEncoder encoder) {
    if (encoder.buffer().capacity() <= MAX_POOLED_ENCODER_BYTES) {
      encoders.offer(encoder);
    }
  }
}
