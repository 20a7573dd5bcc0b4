package io.millrace.log.testing;

import io.millrace.log.PartitionLog;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/** Reads whole partitions back as records or checked batches, for assertions. */
public final class LogReader {

  private LogReader() {}

  /** One stored batch as read back: its offsets and its exact bytes (position 0, limit = size). */
  public record StoredBatch(long baseOffset, long lastOffset, ByteBuffer bytes) {
    public List<LogRecord> records() {
      return RecordBatches.records(bytes);
    }
  }

  /** Every record from the log start offset to the log end offset. */
  public static List<LogRecord> readAll(PartitionLog partition) {
    return readFrom(partition, partition.logStartOffset());
  }

  /** Every record from {@code offset} (inclusive) to the log end offset. */
  public static List<LogRecord> readFrom(PartitionLog partition, long offset) {
    List<LogRecord> records = new ArrayList<>();
    for (StoredBatch batch : readBatches(partition, offset, () -> 64 * 1024)) {
      for (LogRecord record : batch.records()) {
        if (record.offset() >= offset) {
          records.add(record);
        }
      }
    }
    return records;
  }

  /**
   * Every batch from the one holding {@code offset} to the log end, read through {@link
   * PartitionLog#read} with the given read sizes. Each slice is split into batches and every batch
   * is checked: whole, magic 2, CRC-32C right, offsets in order and matching the slice's bounds.
   *
   * @throws AssertionError describing the first problem found
   */
  public static List<StoredBatch> readBatches(
      PartitionLog partition, long offset, IntSupplier maxBytes) {
    List<StoredBatch> batches = new ArrayList<>();
    long next = offset;
    long end = partition.logEndOffset();
    long previousLast = -1;
    while (next < end) {
      LogSlice slice = partition.read(next, maxBytes.getAsInt());
      if (slice.isEmpty()) {
        // Compaction may have removed every record from here to the end (a trailing tombstone).
        check(
            slice.nextOffset() >= end,
            "empty slice at " + next + " below the log end offset " + end + " of ",
            partition);
        break;
      }
      ByteBuffer bytes;
      try {
        bytes = slice.read();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<StoredBatch> inSlice = split(bytes, slice.position());
      StoredBatch first = inSlice.get(0);
      StoredBatch last = inSlice.get(inSlice.size() - 1);
      // After compaction a slice may end on a gap: its lastOffset can then lie past its last
      // batch, up to the offset before the next batch (LogSegment.slice jumps by the index).
      check(
          first.baseOffset() == slice.firstOffset() && last.lastOffset() <= slice.lastOffset(),
          "slice says offsets " + slice.firstOffset() + "-" + slice.lastOffset() + " but holds ",
          first.baseOffset() + "-" + last.lastOffset());
      check(first.lastOffset() >= next, "slice for offset " + next + " starts at ", first);
      for (StoredBatch batch : inSlice) {
        check(batch.baseOffset() > previousLast, "offsets go backwards after " + previousLast, "");
        check(
            batch.baseOffset() >= next || batch == first, "a batch before the read offset ", batch);
        previousLast = batch.lastOffset();
        batches.add(batch);
      }
      next = slice.nextOffset();
    }
    return batches;
  }

  /** Splits bytes read from a slice into checked batches. */
  public static List<StoredBatch> split(ByteBuffer bytes, long filePosition) {
    List<StoredBatch> batches = new ArrayList<>();
    int position = 0;
    while (position < bytes.limit()) {
      String where = " at file position " + (filePosition + position);
      check(bytes.limit() - position >= BatchLayout.HEADER_SIZE, "torn batch header", where);
      int size = BatchLayout.sizeInBytes(bytes, position);
      check(
          size >= BatchLayout.HEADER_SIZE && size <= bytes.limit() - position,
          "batch length " + size + " does not fit",
          where);
      check(BatchLayout.magic(bytes, position) == BatchLayout.MAGIC_V2, "bad magic", where);
      check(
          BatchLayout.computeCrc(bytes, position, size) == BatchLayout.storedCrc(bytes, position),
          "CRC-32C mismatch",
          where);
      ByteBuffer batch = ByteBuffer.allocate(size);
      batch.put(bytes.slice(position, size)).flip();
      batches.add(
          new StoredBatch(
              BatchLayout.baseOffset(bytes, position),
              BatchLayout.lastOffset(bytes, position),
              batch));
      position += size;
    }
    return batches;
  }

  private static void check(boolean ok, String problem, Object detail) {
    if (!ok) {
      throw new AssertionError(problem + detail);
    }
  }
}
