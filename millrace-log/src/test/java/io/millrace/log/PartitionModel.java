package io.millrace.log;

import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What a partition of a delete-policy topic must hold, kept the simple way: a list of segments of
 * stamped batches. It follows the documented rules (roll when the next request would overflow
 * segment.bytes, retention by size and time over sealed segments, DeleteRecords moving the log
 * start, segment.ms counted from when a segment was created or opened) so that {@link LogModelTest}
 * can predict every answer of the real log exactly. Not thread-safe.
 */
final class PartitionModel {

  /** One stored batch: its stamped bytes and what they hold. */
  record Batch(
      long baseOffset,
      long lastOffset,
      long maxTimestamp,
      ByteBuffer bytes,
      List<LogRecord> records) {

    static Batch of(ByteBuffer stamped) {
      return new Batch(
          BatchLayout.baseOffset(stamped, 0),
          BatchLayout.lastOffset(stamped, 0),
          BatchLayout.maxTimestamp(stamped, 0),
          stamped,
          RecordBatches.records(stamped));
    }

    int sizeBytes() {
      return bytes.limit();
    }
  }

  /** A segment: consecutive batches from a base offset. */
  static final class Segment {
    final long baseOffset;
    long createdMs;
    final List<Batch> batches = new ArrayList<>();
    int sizeBytes;
    long maxTimestamp = -1;

    Segment(long baseOffset, long createdMs) {
      this.baseOffset = baseOffset;
      this.createdMs = createdMs;
    }

    boolean isEmpty() {
      return batches.isEmpty();
    }

    long nextOffset() {
      return isEmpty() ? baseOffset : batches.get(batches.size() - 1).lastOffset() + 1;
    }

    void add(Batch batch) {
      batches.add(batch);
      sizeBytes += batch.sizeBytes();
      maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
    }
  }

  private final List<Segment> segments = new ArrayList<>();
  private long logStartOffset;
  private long logEndOffset;
  int segmentBytes;
  long segmentMs;
  long retentionMs = -1;
  long retentionBytes = -1;

  PartitionModel(int segmentBytes, long segmentMs, long nowMs) {
    this.segmentBytes = segmentBytes;
    this.segmentMs = segmentMs;
    segments.add(new Segment(0, nowMs));
  }

  long logStartOffset() {
    return logStartOffset;
  }

  long logEndOffset() {
    return logEndOffset;
  }

  int segmentCount() {
    return segments.size();
  }

  long sizeBytes() {
    long total = 0;
    for (Segment segment : segments) {
      total += segment.sizeBytes;
    }
    return total;
  }

  List<Segment> segments() {
    return segments;
  }

  Segment active() {
    return segments.get(segments.size() - 1);
  }

  /** An accepted request of {@code requestBytes} holding these stamped batches. */
  void append(List<Batch> batches, int requestBytes, long nowMs) {
    Segment active = active();
    boolean full = (long) active.sizeBytes + requestBytes > segmentBytes;
    boolean old = nowMs - active.createdMs >= segmentMs;
    if (!active.isEmpty() && (full || old)) {
      roll(nowMs);
    }
    for (Batch batch : batches) {
      active().add(batch);
    }
    logEndOffset = active().nextOffset();
  }

  private void roll(long nowMs) {
    segments.add(new Segment(logEndOffset, nowMs));
  }

  /** The log was opened again: a segment's age counts from when it was opened. */
  void reopened(long nowMs) {
    for (Segment segment : segments) {
      segment.createdMs = nowMs;
    }
  }

  /** DeleteRecords: returns the new log start offset. The caller checks the range. */
  long deleteRecordsBefore(long offset) {
    logStartOffset = Math.max(logStartOffset, offset);
    while (segments.size() > 1 && segments.get(0).nextOffset() <= logStartOffset) {
      segments.remove(0);
    }
    return logStartOffset;
  }

  /** retention.ms and retention.bytes at {@code nowMs}; returns the segments deleted. */
  int enforceRetention(long nowMs) {
    if (retentionMs >= 0 && isExpired(active(), nowMs)) {
      roll(nowMs);
    }
    long size = sizeBytes();
    int deleted = 0;
    while (segments.size() > 1) {
      Segment oldest = segments.get(0);
      boolean tooOld = retentionMs >= 0 && isExpired(oldest, nowMs);
      boolean tooBig = retentionBytes >= 0 && size - oldest.sizeBytes >= retentionBytes;
      if (!tooOld && !tooBig) {
        break;
      }
      size -= oldest.sizeBytes;
      segments.remove(0);
      deleted++;
    }
    if (deleted > 0) {
      logStartOffset = Math.max(logStartOffset, segments.get(0).baseOffset);
    }
    return deleted;
  }

  private boolean isExpired(Segment segment, long nowMs) {
    return !segment.isEmpty() && segment.maxTimestamp < nowMs - retentionMs;
  }

  /**
   * The batches a read at {@code offset} returns: from the batch holding it, the longest run within
   * its segment that fits in {@code maxBytes} (at least one batch). Empty at the log end.
   */
  List<Batch> read(long offset, int maxBytes) {
    int first = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).baseOffset <= offset) {
        first = i;
      }
    }
    for (int i = first; i < segments.size(); i++) {
      List<Batch> batches = segments.get(i).batches;
      for (int b = 0; b < batches.size(); b++) {
        if (batches.get(b).lastOffset() >= offset) {
          return run(batches, b, maxBytes);
        }
      }
    }
    return List.of();
  }

  private static List<Batch> run(List<Batch> batches, int from, int maxBytes) {
    List<Batch> run = new ArrayList<>();
    long bytes = 0;
    for (int b = from; b < batches.size(); b++) {
      Batch batch = batches.get(b);
      if (!run.isEmpty() && bytes + batch.sizeBytes() > maxBytes) {
        break;
      }
      run.add(batch);
      bytes += batch.sizeBytes();
    }
    return run;
  }

  /** Every batch that still holds a readable record, in order. */
  List<Batch> readableBatches() {
    List<Batch> readable = new ArrayList<>();
    for (Segment segment : segments) {
      for (Batch batch : segment.batches) {
        if (batch.lastOffset() >= logStartOffset) {
          readable.add(batch);
        }
      }
    }
    return readable;
  }

  /** Kafka's ListOffsets by time: the first readable offset with a timestamp >= the target. */
  long offsetForTimestamp(long timestampMs) {
    for (Batch batch : readableBatches()) {
      for (LogRecord record : batch.records()) {
        if (record.offset() >= logStartOffset && record.timestamp() >= timestampMs) {
          return record.offset();
        }
      }
    }
    return -1;
  }

  /** A timestamp of some readable record, or -1 if there is none. */
  long someTimestamp(java.util.Random random) {
    List<Batch> readable = readableBatches();
    if (readable.isEmpty()) {
      return -1;
    }
    List<LogRecord> records = readable.get(random.nextInt(readable.size())).records();
    return records.get(random.nextInt(records.size())).timestamp();
  }
}
