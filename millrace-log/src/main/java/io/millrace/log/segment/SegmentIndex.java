package io.millrace.log.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The sparse index of one segment, serving both as offset index and time index: every
 * index.interval.bytes of log data it records where a batch starts and the largest timestamp seen
 * in the segment up to and including that batch.
 *
 * <pre>
 *  entry (16 bytes, big-endian), entries sorted by all three columns
 *  offset size field
 *       0    4  relativeOffset   batch base offset - segment base offset
 *       4    4  position         byte position of the batch in the .log file
 *       8    8  maxTimestamp     largest batch max timestamp in [0, position + batch size)
 * </pre>
 *
 * <p>One file instead of Kafka's two: both lookups need the batch position, one entry per interval
 * costs one write instead of two, and rebuilding after a crash produces both at once. The file has
 * no header; its entry count is its length / 16 (a torn trailing entry is ignored).
 *
 * <p>Lookups read entries with positional reads (no heap copy, no mmap to unmap), so memory use
 * does not grow with the amount of data stored. Threading: one writer (the partition's appender)
 * and any number of concurrent readers; readers see entries up to a published volatile count.
 */
public final class SegmentIndex implements AutoCloseable {

  public static final int ENTRY_SIZE = 16;

  private final Path path;
  private final FileChannel channel;
  private final long baseOffset;
  private final ByteBuffer writeBuffer = ByteBuffer.allocate(ENTRY_SIZE);
  private volatile int entryCount;
  private long lastIndexedOffset = -1;
  private int lastIndexedPosition = -1;

  private SegmentIndex(Path path, FileChannel channel, long baseOffset, int entryCount) {
    this.path = path;
    this.channel = channel;
    this.baseOffset = baseOffset;
    this.entryCount = entryCount;
  }

  /** Opens or creates the index file; a partial trailing entry is cut off. */
  public static SegmentIndex open(FileIo io, Path path, long baseOffset) throws IOException {
    FileChannel channel = io.openReadWrite(path);
    long size = channel.size();
    int count = (int) (size / ENTRY_SIZE);
    if (size % ENTRY_SIZE != 0) {
      channel.truncate((long) count * ENTRY_SIZE);
    }
    SegmentIndex index = new SegmentIndex(path, channel, baseOffset, count);
    if (count > 0) {
      ByteBuffer entry = index.readEntry(count - 1, ByteBuffer.allocate(ENTRY_SIZE));
      index.lastIndexedOffset = baseOffset + entry.getInt(0);
      index.lastIndexedPosition = entry.getInt(4);
    }
    return index;
  }

  public Path path() {
    return path;
  }

  public int entryCount() {
    return entryCount;
  }

  /** Adds an entry; offsets and positions must grow. Writer thread only. */
  public void append(long offset, int position, long maxTimestamp) throws IOException {
    if (offset <= lastIndexedOffset || position <= lastIndexedPosition) {
      throw new IllegalStateException(
          "index entries must grow: offset "
              + offset
              + " position "
              + position
              + " after "
              + lastIndexedOffset
              + "/"
              + lastIndexedPosition
              + " in "
              + path);
    }
    writeBuffer.clear();
    writeBuffer.putInt((int) (offset - baseOffset)).putInt(position).putLong(maxTimestamp).flip();
    Io.writeFully(channel, writeBuffer, (long) entryCount * ENTRY_SIZE);
    lastIndexedOffset = offset;
    lastIndexedPosition = position;
    entryCount = entryCount + 1;
  }

  /** Byte position of the last indexed batch whose base offset is at most {@code offset}, or 0. */
  public int positionForOffset(long offset) throws IOException {
    return search(0, offset - baseOffset);
  }

  /**
   * Byte position from which a scan finds the first batch with a timestamp at least {@code
   * timestampMs}: the last indexed batch whose running max timestamp is still below it, or 0.
   */
  public int positionForTimestamp(long timestampMs) throws IOException {
    return search(8, timestampMs - 1);
  }

  /** Byte position of the last indexed batch starting at or before {@code position}, or 0. */
  public int batchPositionAtOrBefore(int position) throws IOException {
    return search(4, position);
  }

  /** Binary search on a non-decreasing column: position of the last entry with column <= key. */
  private int search(int column, long key) throws IOException {
    int count = entryCount;
    ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
    int low = 0;
    int high = count - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      readEntry(mid, entry);
      long value = column == 8 ? entry.getLong(8) : entry.getInt(column);
      if (value <= key) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? 0 : readEntry(found, entry).getInt(4);
  }

  /** The running max timestamp of the last entry, or -1 when the index is empty. */
  public long lastMaxTimestamp() throws IOException {
    int count = entryCount;
    return count == 0 ? -1 : readEntry(count - 1, ByteBuffer.allocate(ENTRY_SIZE)).getLong(8);
  }

  /** Drops entries for batches at or after {@code position} (the log was truncated there). */
  public void truncateToPosition(int position) throws IOException {
    ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
    // At 0 everything goes without reading: recovery rebuilds from 0 because the entries may be
    // garbage, and a garbage (negative) position must not stop the walk and keep the rest.
    int keep = position <= 0 ? 0 : entryCount;
    while (keep > 0 && readEntry(keep - 1, entry).getInt(4) >= position) {
      keep--;
    }
    channel.truncate((long) keep * ENTRY_SIZE);
    entryCount = keep;
    if (keep == 0) {
      lastIndexedOffset = -1;
      lastIndexedPosition = -1;
    } else {
      readEntry(keep - 1, entry);
      lastIndexedOffset = baseOffset + entry.getInt(0);
      lastIndexedPosition = entry.getInt(4);
    }
  }

  /**
   * Checks that the last entry fits a log of {@code logSizeBytes}; false means rebuild it. (The
   * caller still checks that the entry points at a batch with that offset.)
   */
  public boolean isConsistentWith(int logSizeBytes) throws IOException {
    return entryCount == 0
        || (lastIndexedPosition >= 0
            && lastIndexedPosition < logSizeBytes
            && lastIndexedOffset >= baseOffset);
  }

  /** The offset of the last entry, or -1 when the index is empty. Writer thread only. */
  public long lastIndexedOffset() {
    return lastIndexedOffset;
  }

  public void flush() throws IOException {
    channel.force(true);
  }

  private ByteBuffer readEntry(int index, ByteBuffer entry) throws IOException {
    entry.clear();
    Io.readFully(channel, entry, (long) index * ENTRY_SIZE);
    return entry.flip();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
