package io.millrace.log.format;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * The record-level half of compaction: lists the keys of a batch, and rewrites a batch keeping only
 * the records that are still the latest for their key.
 *
 * <p>Tombstones (null values) follow Kafka's delete-horizon rule: the first time a batch holding a
 * kept tombstone is rewritten, its header gets a delete horizon of {@code now +
 * delete.retention.ms} (attribute bit 6, stored in baseTimestamp); once that horizon has passed, a
 * later rewrite drops the tombstones. A consumer that reads the topic within delete.retention.ms of
 * the first cleaning therefore still sees the delete.
 *
 * <p>Not thread-safe: one instance per cleaner thread.
 */
public final class BatchCompactor {

  /** Told each key and offset of a batch; the key buffer is only valid during the call. */
  public interface KeyVisitor {
    void onKey(ByteBuffer key, long offset);
  }

  /** Answers the latest offset of a key in the part of the log being cleaned, or -1. */
  public interface LatestOffsets {
    long latestOffset(ByteBuffer key);
  }

  private final BufferSupplier buffers = BufferSupplier.create();

  /** Visits every keyed record of a data batch; control batches are skipped. */
  public void forEachKey(ByteBuffer batch, KeyVisitor visitor) {
    RecordBatch view = RecordBatches.view(batch.duplicate());
    if (view.isControlBatch()) {
      return;
    }
    try (CloseableIterator<Record> records = view.streamingIterator(buffers)) {
      while (records.hasNext()) {
        Record record = records.next();
        if (record.hasKey()) {
          visitor.onKey(record.key(), record.offset());
        }
      }
    }
  }

  /**
   * Returns the batch to store in place of {@code batch}: the same buffer when nothing changes, a
   * rebuilt batch when some records go, or null when no record is left.
   */
  public ByteBuffer compact(
      ByteBuffer batch, LatestOffsets latest, long nowMs, long deleteRetentionMs) {
    RecordBatch view = RecordBatches.view(batch.duplicate());
    if (view.isControlBatch()) {
      return batch;
    }
    boolean horizonPassed =
        view.deleteHorizonMs().isPresent() && view.deleteHorizonMs().getAsLong() <= nowMs;
    List<Record> kept = new ArrayList<>();
    int total = 0;
    boolean keptTombstone = false;
    try (CloseableIterator<Record> records = view.streamingIterator(buffers)) {
      while (records.hasNext()) {
        Record record = records.next();
        total++;
        if (!isLatest(record, latest)) {
          continue;
        }
        if (!record.hasValue()) {
          if (horizonPassed) {
            continue;
          }
          keptTombstone = true;
        }
        kept.add(record);
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    boolean needsHorizon = keptTombstone && view.deleteHorizonMs().isEmpty();
    if (kept.size() == total && !needsHorizon) {
      return batch;
    }
    long horizon =
        needsHorizon
            ? nowMs + deleteRetentionMs
            : view.deleteHorizonMs().orElse(RecordBatch.NO_TIMESTAMP);
    return rebuild(view, kept, batch.remaining(), horizon);
  }

  private static boolean isLatest(Record record, LatestOffsets latest) {
    if (!record.hasKey()) {
      return true;
    }
    long latestOffset = latest.latestOffset(record.key());
    return latestOffset < 0 || record.offset() >= latestOffset;
  }

  private static ByteBuffer rebuild(
      RecordBatch original, List<Record> kept, int sizeHint, long deleteHorizonMs) {
    boolean logAppendTime = original.timestampType() == TimestampType.LOG_APPEND_TIME;
    MemoryRecordsBuilder builder =
        new MemoryRecordsBuilder(
            new ByteBufferOutputStream(Math.max(sizeHint, BatchLayout.HEADER_SIZE + 64)),
            RecordBatch.MAGIC_VALUE_V2,
            Codec.ofId(original.compressionType().id).compression(),
            original.timestampType(),
            kept.get(0).offset(),
            logAppendTime ? original.maxTimestamp() : RecordBatch.NO_TIMESTAMP,
            original.producerId(),
            original.producerEpoch(),
            original.baseSequence(),
            original.isTransactional(),
            false,
            original.partitionLeaderEpoch(),
            Integer.MAX_VALUE,
            deleteHorizonMs);
    for (Record record : kept) {
      builder.appendWithOffset(
          record.offset(), record.timestamp(), record.key(), record.value(), record.headers());
    }
    return builder.build().buffer();
  }
}
