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
 * <p>New entries are <b>buffered</b>: they go to an in-memory chunk of {@link #CHUNK_ENTRIES} and
 * reach the file in one write when the chunk is full, or earlier through {@link
 * #writePendingEntries()} (a roll, a flush of the index, close). With 16 KiB batches every append
 * adds an entry, and a 16-byte {@code pwrite} per append was ~5-10 % of its cost. The file always
 * holds a prefix of the entries, which is all recovery needs: the index is derived data, rebuilt by
 * the scan of any segment not yet trusted (see {@code PartitionLog#flush}), and completed from the
 * batch headers after the last entry when a trusted segment is loaded.
 *
 * <p>Lookups read the file with positional reads (no heap copy, no mmap to unmap), so memory does
 * not grow with the amount of data stored; the pending chunk is searched in memory first.
 *
 * <p>Threading: one writer (the partition's appender) and any number of concurrent readers. The
 * writer fills a chunk slot, then publishes the volatile {@code entryCount}; a chunk is replaced by
 * a new one (volatile {@code pending}) only after its entries are in the file, and a chunk slot is
 * never written twice, so a reader that reads {@code entryCount} and then {@code pending} finds
 * every entry below that count either in the chunk it read or, below the chunk's first index, in
 * the file.
 */
public final class SegmentIndex implements AutoCloseable {

  public static final int ENTRY_SIZE = 16;

  /** Searches read this many entries (4 KiB) at once rather than probing them one by one. */
  static final int SEARCH_BLOCK_ENTRIES = 256;

  /** Entries buffered in memory before they are written to the file in one call (2 KiB). */
  public static final int CHUNK_ENTRIES = 128;

  private static final ByteBuffer NO_ENTRIES = ByteBuffer.allocate(0);

  /**
   * Entries [firstIndex, entryCount) not yet in the file, laid out as in the file so that the chunk
   * is written as it is. Each entry is written once, by the writer, before {@code entryCount}
   * publishes it; readers use absolute gets only.
   */
  private record Chunk(int firstIndex, ByteBuffer entries) {
    int capacity() {
      return entries.capacity() / ENTRY_SIZE;
    }

    boolean isFull(int count) {
      return count - firstIndex == capacity();
    }

    int at(int index) {
      return (index - firstIndex) * ENTRY_SIZE;
    }
  }

  private final Path path;
  private final FileChannel channel;
  private final long baseOffset;
  private volatile int entryCount;
  private volatile Chunk pending;
  private long lastIndexedOffset = -1;
  private int lastIndexedPosition = -1;

  private SegmentIndex(Path path, FileChannel channel, long baseOffset, int entryCount) {
    this.path = path;
    this.channel = channel;
    this.baseOffset = baseOffset;
    this.entryCount = entryCount;
    this.pending = new Chunk(entryCount, NO_ENTRIES);
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
      ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
      Io.readFully(channel, entry, (long) (count - 1) * ENTRY_SIZE);
      index.lastIndexedOffset = baseOffset + entry.getInt(0);
      index.lastIndexedPosition = entry.getInt(4);
    }
    return index;
  }

  public Path path() {
    return path;
  }

  /** Entries readers see: those in the file and those still buffered. */
  public int entryCount() {
    return entryCount;
  }

  /** Entries buffered in memory, not yet written to the file. */
  public int pendingEntryCount() {
    return entryCount - pending.firstIndex();
  }

  /**
   * Adds an entry, visible to readers at once; offsets and positions must grow. It reaches the file
   * with the chunk it is buffered in. Writer thread only. If writing a full chunk fails, nothing
   * changes (the entry is not added) and the exception is thrown.
   */
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
    int count = entryCount;
    Chunk chunk = pending;
    if (chunk.isFull(count)) {
      writePendingEntries();
      // A new array rather than the old one reused: readers may still be reading the old one.
      chunk = new Chunk(count, ByteBuffer.allocate(CHUNK_ENTRIES * ENTRY_SIZE));
      pending = chunk;
    }
    int at = chunk.at(count);
    chunk.entries().putInt(at, (int) (offset - baseOffset)).putInt(at + 4, position);
    chunk.entries().putLong(at + 8, maxTimestamp);
    lastIndexedOffset = offset;
    lastIndexedPosition = position;
    entryCount = count + 1; // publishes the slots written above
  }

  /**
   * Writes the buffered entries to the file (not forced). Writer thread only, or once the segment
   * takes no more appends. On failure the file may hold part of them; they stay buffered and the
   * next call writes them again.
   */
  public void writePendingEntries() throws IOException {
    int count = entryCount;
    Chunk chunk = pending;
    int buffered = count - chunk.firstIndex();
    if (buffered == 0) {
      return;
    }
    Io.writeFully(
        channel,
        chunk.entries().slice(0, buffered * ENTRY_SIZE),
        (long) chunk.firstIndex() * ENTRY_SIZE);
    pending = new Chunk(count, NO_ENTRIES);
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

  /**
   * Position of the last entry with column <= key, or 0. Entries still buffered are searched first,
   * in memory; if the answer lies before them, the file is binary-searched. Once the range left is
   * at most {@link #SEARCH_BLOCK_ENTRIES} entries it is read in one call and searched in memory:
   * each probe of the file is a system call, and a fetch does two searches.
   */
  private int search(int column, long key) throws IOException {
    int count = entryCount; // read before pending: see the class comment
    Chunk chunk = pending;
    int inFile = Math.min(count, chunk.firstIndex());
    // Bounded by the chunk too: a truncation racing with this search may pair an older, larger
    // count with the chunk that replaced the dropped entries.
    int end = Math.min(count, chunk.firstIndex() + chunk.capacity());
    for (int i = end - 1; i >= inFile; i--) {
      int at = chunk.at(i);
      if (columnValue(chunk.entries(), at, column) <= key) {
        return chunk.entries().getInt(at + 4);
      }
    }
    return searchFile(column, key, inFile);
  }

  /** {@link #search} over the first {@code count} entries, those in the file. */
  private int searchFile(int column, long key, int count) throws IOException {
    ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
    int low = 0;
    int high = count - 1;
    int foundPosition = 0;
    while (low <= high) {
      if (high - low < SEARCH_BLOCK_ENTRIES) {
        return searchBlock(column, key, low, high, foundPosition);
      }
      int mid = (low + high) >>> 1;
      readFileEntry(mid, entry);
      if (columnValue(entry, 0, column) <= key) {
        foundPosition = entry.getInt(4);
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return foundPosition;
  }

  /** Finishes {@link #searchFile} over entries [low, high], read at once. */
  private int searchBlock(int column, long key, int low, int high, int foundBefore)
      throws IOException {
    ByteBuffer block = ByteBuffer.allocate((high - low + 1) * ENTRY_SIZE);
    Io.readFully(channel, block, (long) low * ENTRY_SIZE);
    for (int at = (high - low) * ENTRY_SIZE; at >= 0; at -= ENTRY_SIZE) {
      if (columnValue(block, at, column) <= key) {
        return block.getInt(at + 4);
      }
    }
    return foundBefore;
  }

  private static long columnValue(ByteBuffer entries, int entryStart, int column) {
    return column == 8 ? entries.getLong(entryStart + 8) : entries.getInt(entryStart + column);
  }

  /** The running max timestamp of the last entry, or -1 when the index is empty. */
  public long lastMaxTimestamp() throws IOException {
    int count = entryCount;
    return count == 0 ? -1 : readEntry(count - 1, ByteBuffer.allocate(ENTRY_SIZE)).getLong(8);
  }

  /**
   * Drops entries for batches at or after {@code position} (the log was truncated there), buffered
   * or written. Writer thread only.
   */
  public void truncateToPosition(int position) throws IOException {
    ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE);
    // At 0 everything goes without reading: recovery rebuilds from 0 because the entries may be
    // garbage, and a garbage (negative) position must not stop the walk and keep the rest.
    int keep = position <= 0 ? 0 : entryCount;
    while (keep > 0 && readEntry(keep - 1, entry).getInt(4) >= position) {
      keep--;
    }
    Chunk chunk = pending;
    int inFile = Math.min(keep, chunk.firstIndex());
    // Always cut the file: a failed chunk write may have left part of its entries behind.
    channel.truncate((long) inFile * ENTRY_SIZE);
    // Lower the count before replacing the chunk, so that a reader never pairs the new chunk with
    // the old count; the kept buffered entries move to a new array (readers may hold the old one).
    entryCount = keep;
    ByteBuffer entries = NO_ENTRIES;
    if (keep > inFile) {
      entries = ByteBuffer.allocate(CHUNK_ENTRIES * ENTRY_SIZE);
      entries.put(0, chunk.entries(), 0, (keep - inFile) * ENTRY_SIZE);
    }
    pending = new Chunk(inFile, entries);
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

  /** Writes the buffered entries and forces the file to the device. */
  public void flush() throws IOException {
    writePendingEntries();
    channel.force(true);
  }

  /** Entry {@code index} (below the entry count), buffered or written. Writer thread only. */
  private ByteBuffer readEntry(int index, ByteBuffer entry) throws IOException {
    Chunk chunk = pending;
    if (index < chunk.firstIndex()) {
      return readFileEntry(index, entry);
    }
    entry.clear();
    entry.put(0, chunk.entries(), chunk.at(index), ENTRY_SIZE);
    return entry;
  }

  private ByteBuffer readFileEntry(int index, ByteBuffer entry) throws IOException {
    entry.clear();
    Io.readFully(channel, entry, (long) index * ENTRY_SIZE);
    return entry.flip();
  }

  /** Writes the buffered entries, then closes the file (even if that write fails). */
  @Override
  public void close() throws IOException {
    try {
      if (channel.isOpen()) {
        writePendingEntries();
      }
    } finally {
      channel.close();
    }
  }
}
