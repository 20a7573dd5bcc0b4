package io.millrace.log.segment;

import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.BatchScanner;
import io.millrace.log.format.RecordBatches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One segment of a partition: a {@code .log} file of record batches stored back to back, exactly as
 * received and stamped, plus its {@link SegmentIndex}. Files are named by the segment's base
 * offset, zero-padded to 20 digits, as Kafka names them.
 *
 * <p>Threading: one writer (the partition's appender, under the partition's append lock) and any
 * number of readers. The writer publishes {@code sizeBytes} and {@code nextOffset} (volatile) only
 * after the bytes are written and indexed, so readers never see a partial batch; an index entry may
 * still be buffered in memory (see {@link SegmentIndex}), where readers find it too. A sealed
 * segment (no longer active) is immutable until it is deleted or replaced by compaction; the writer
 * writes its buffered index entries when it seals it ({@link #writePendingIndexEntries()}).
 */
public final class LogSegment implements AutoCloseable {

  public static final String LOG_SUFFIX = ".log";
  public static final String INDEX_SUFFIX = ".index";
  public static final String DELETED_SUFFIX = ".deleted";
  public static final String CLEANED_SUFFIX = ".cleaned";
  public static final String SWAP_SUFFIX = ".swap";

  /** Read hints kept per segment (see {@link ReadHint}); a power of two. */
  static final int READ_HINT_SLOTS = 8;

  private final Path directory;
  private final long baseOffset;
  private volatile Path logFile;
  private volatile Path indexFile;
  private final FileChannel channel;
  private final SegmentIndex index;
  private final int indexIntervalBytes;
  private final long createdMs;

  private volatile int sizeBytes;
  private volatile long nextOffset;
  private volatile long maxTimestamp = -1;
  private int bytesSinceIndexEntry;

  /**
   * Where recent slices ended, by {@code offset % READ_HINT_SLOTS}: a reader that continues from
   * its previous slice starts there without searching the index. Any reader writes them.
   */
  private final AtomicReferenceArray<ReadHint> readHints =
      new AtomicReferenceArray<>(READ_HINT_SLOTS);

  /** Bumped before the writer cuts bytes off: hints from before a cut are not believed. */
  private volatile int cuts;

  /**
   * A slice ended at {@code position}, just after the batch holding {@code offset - 1}: every batch
   * before it ends below {@code offset}, so the batch at {@code position} (if one has been written
   * there) is the first holding an offset >= {@code offset}. True as long as no bytes were cut from
   * the segment since ({@code cuts}): after a cut, other batches may start elsewhere.
   */
  private record ReadHint(long offset, int position, int cuts) {}

  private LogSegment(
      Path directory,
      long baseOffset,
      String suffix,
      FileChannel channel,
      SegmentIndex index,
      int indexIntervalBytes,
      long createdMs) {
    this.directory = directory;
    this.baseOffset = baseOffset;
    this.logFile = withSuffix(logPath(directory, baseOffset), suffix);
    this.indexFile = withSuffix(indexPath(directory, baseOffset), suffix);
    this.channel = channel;
    this.index = index;
    this.indexIntervalBytes = indexIntervalBytes;
    this.createdMs = createdMs;
    this.nextOffset = baseOffset;
  }

  /** Creates a new empty segment whose first offset will be {@code baseOffset}. */
  public static LogSegment create(
      FileIo io, Path directory, long baseOffset, int indexIntervalBytes, long nowMs)
      throws IOException {
    return create(io, directory, baseOffset, "", indexIntervalBytes, nowMs);
  }

  /**
   * Creates a new empty segment whose files carry {@code suffix} after their usual names (for
   * example {@link #CLEANED_SUFFIX} while compaction writes it).
   */
  public static LogSegment create(
      FileIo io, Path directory, long baseOffset, String suffix, int indexIntervalBytes, long nowMs)
      throws IOException {
    Files.deleteIfExists(withSuffix(logPath(directory, baseOffset), suffix));
    Files.deleteIfExists(withSuffix(indexPath(directory, baseOffset), suffix));
    return open(io, directory, baseOffset, suffix, indexIntervalBytes, nowMs);
  }

  /**
   * Opens an existing segment without scanning it: its size is the file size. The caller must
   * {@link #recover} or {@link #loadTrusted} it before use.
   */
  public static LogSegment open(
      FileIo io, Path directory, long baseOffset, int indexIntervalBytes, long nowMs)
      throws IOException {
    return open(io, directory, baseOffset, "", indexIntervalBytes, nowMs);
  }

  /**
   * Opens a segment whose files carry {@code suffix}; see {@link #open(FileIo, Path, long, int,
   * long)}.
   */
  public static LogSegment open(
      FileIo io, Path directory, long baseOffset, String suffix, int indexIntervalBytes, long nowMs)
      throws IOException {
    FileChannel channel = io.openReadWrite(withSuffix(logPath(directory, baseOffset), suffix));
    SegmentIndex index;
    try {
      index =
          SegmentIndex.open(io, withSuffix(indexPath(directory, baseOffset), suffix), baseOffset);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    LogSegment segment =
        new LogSegment(directory, baseOffset, suffix, channel, index, indexIntervalBytes, nowMs);
    segment.sizeBytes = (int) Math.min(channel.size(), Integer.MAX_VALUE);
    return segment;
  }

  private static Path withSuffix(Path path, String suffix) {
    return suffix.isEmpty() ? path : path.resolveSibling(path.getFileName() + suffix);
  }

  public static Path logPath(Path directory, long baseOffset) {
    return directory.resolve(fileName(baseOffset) + LOG_SUFFIX);
  }

  public static Path indexPath(Path directory, long baseOffset) {
    return directory.resolve(fileName(baseOffset) + INDEX_SUFFIX);
  }

  public static String fileName(long baseOffset) {
    return String.format("%020d", baseOffset);
  }

  public long baseOffset() {
    return baseOffset;
  }

  /** Bytes of complete batches readers may see. */
  public int sizeBytes() {
    return sizeBytes;
  }

  /** The offset after the last record of this segment. */
  public long nextOffset() {
    return nextOffset;
  }

  /** Largest batch max timestamp in the segment, or -1 when empty. */
  public long maxTimestamp() {
    return maxTimestamp;
  }

  public long createdMs() {
    return createdMs;
  }

  public boolean isEmpty() {
    return sizeBytes == 0;
  }

  public FileChannel channel() {
    return channel;
  }

  /** The current path of the log file (its name changes while compaction swaps it). */
  public Path logPath() {
    return logFile;
  }

  public Path indexPath() {
    return indexFile;
  }

  /**
   * Writes stamped batches at the end of the file, indexes them and publishes them to readers. On
   * an I/O failure the file is cut back to its previous size so no partial batch stays.
   */
  public void append(ByteBuffer batches) throws IOException {
    int start = sizeBytes;
    int bytesSinceIndexEntryBefore = bytesSinceIndexEntry;
    try {
      Io.writeFully(channel, batches.duplicate(), start);
      appendWritten(batches, start);
    } catch (IOException e) {
      // The disk can fill up while the index entries are written, after the batch bytes went in:
      // cut both files back, or the next append's index entries would not grow and the unpublished
      // bytes would stay in the file (and be read back as data after a restart).
      truncateQuietly(start, e);
      try {
        index.truncateToPosition(start);
      } catch (IOException indexFailure) {
        e.addSuppressed(indexFailure);
      }
      bytesSinceIndexEntry = bytesSinceIndexEntryBefore;
      throw e;
    }
  }

  /** Indexes the batches just written at {@code start} and publishes them. */
  private void appendWritten(ByteBuffer batches, int start) throws IOException {
    int length = batches.remaining();
    long next = nextOffset;
    long max = maxTimestamp;
    int position = batches.position();
    int end = batches.limit();
    while (position < end) {
      int size = BatchLayout.sizeInBytes(batches, position);
      max = Math.max(max, BatchLayout.maxTimestamp(batches, position));
      if (bytesSinceIndexEntry >= indexIntervalBytes) {
        index.append(
            BatchLayout.baseOffset(batches, position), start + position - batches.position(), max);
        bytesSinceIndexEntry = 0;
      }
      bytesSinceIndexEntry += size;
      next = BatchLayout.lastOffset(batches, position) + 1;
      position += size;
    }
    maxTimestamp = max;
    nextOffset = next;
    sizeBytes = start + length;
  }

  private void truncateQuietly(int size, IOException cause) {
    try {
      channel.truncate(size);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * Reads the segment as trusted (written before the last recovery point): walks the batch headers
   * after the last index entry to learn the next offset and max timestamp, indexes any of them the
   * index lacks (an index file lost or cut short), and rebuilds the whole index through {@link
   * #recover} if it does not fit the log.
   */
  public void loadTrusted(int maxBatchBytes) throws IOException {
    if (!index.isConsistentWith(sizeBytes)) {
      recover(maxBatchBytes);
      return;
    }
    int position = index.batchPositionAtOrBefore(Integer.MAX_VALUE);
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    long next = baseOffset;
    // The running max of the last index entry covers everything up to and including its batch;
    // the segment's own maxTimestamp may be stale (truncateTo comes here after cutting).
    long max = index.lastMaxTimestamp();
    int sinceIndexEntry = 0;
    boolean atIndexedBatch = index.entryCount() > 0;
    while (position < sizeBytes) {
      if (sizeBytes - position < BatchLayout.HEADER_SIZE) {
        recover(maxBatchBytes);
        return;
      }
      readHeader(position, header);
      int size = BatchLayout.sizeInBytes(header, 0);
      long batchBase = BatchLayout.baseOffset(header, 0);
      // A damaged index can point anywhere: only a walk over real batch headers is believed.
      boolean isBatch =
          size >= BatchLayout.HEADER_SIZE
              && size <= sizeBytes - position
              && BatchLayout.magic(header, 0) == BatchLayout.MAGIC_V2
              && batchBase >= next
              && (!atIndexedBatch || batchBase == index.lastIndexedOffset());
      if (!isBatch) {
        recover(maxBatchBytes);
        return;
      }
      boolean alreadyIndexed = atIndexedBatch;
      atIndexedBatch = false;
      max = Math.max(max, BatchLayout.maxTimestamp(header, 0));
      if (!alreadyIndexed && sinceIndexEntry >= indexIntervalBytes) {
        index.append(batchBase, position, max); // the entry append() would have written
        sinceIndexEntry = 0;
      }
      sinceIndexEntry += size;
      next = BatchLayout.lastOffset(header, 0) + 1;
      position += size;
    }
    bytesSinceIndexEntry = sinceIndexEntry;
    nextOffset = next;
    maxTimestamp = max;
    index.writePendingEntries(); // a sealed segment may never be written to again
  }

  /**
   * Validates every batch, truncates at the first torn or damaged one and rebuilds the index.
   *
   * @return a description of what was cut off, or null if the segment was intact
   */
  public String recover(int maxBatchBytes) throws IOException {
    cuts++; // the writer's field: only it writes it
    index.truncateToPosition(0);
    bytesSinceIndexEntry = 0;
    long[] max = {-1};
    BatchScanner scanner = new BatchScanner(maxBatchBytes);
    BatchScanner.Outcome outcome =
        scanner.scan(
            channel,
            0,
            channel.size(),
            baseOffset,
            (filePosition, size, batchBase, lastOffset, batchMaxTimestamp) -> {
              max[0] = Math.max(max[0], batchMaxTimestamp);
              if (bytesSinceIndexEntry >= indexIntervalBytes) {
                index.append(batchBase, (int) filePosition, max[0]);
                bytesSinceIndexEntry = 0;
              }
              bytesSinceIndexEntry += size;
            });
    long fileSize = channel.size();
    String problem = null;
    if (outcome.validEndPosition() < fileSize) {
      problem =
          "truncated "
              + (fileSize - outcome.validEndPosition())
              + " bytes at position "
              + outcome.validEndPosition()
              + " of "
              + logPath().getFileName()
              + ": "
              + (outcome.problem() == null ? "trailing bytes" : outcome.problem());
      channel.truncate(outcome.validEndPosition());
    }
    sizeBytes = (int) outcome.validEndPosition();
    nextOffset = outcome.validEndPosition() == 0 ? baseOffset : outcome.nextOffset();
    maxTimestamp = max[0];
    index.writePendingEntries(); // a sealed segment may never be written to again
    return problem;
  }

  /** Position of the first batch holding an offset >= {@code offset}, or -1 past the end. */
  public int positionOf(long offset) throws IOException {
    return positionOf(offset, sizeBytes);
  }

  private int positionOf(long offset, int limit) throws IOException {
    ReadHint hint = readHints.get((int) offset & (READ_HINT_SLOTS - 1));
    if (hint != null && hint.offset() == offset && hint.cuts() == cuts && hint.position() < limit) {
      return hint.position();
    }
    int position = index.positionForOffset(offset);
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    while (position < limit) {
      readHeader(position, header);
      if (BatchLayout.lastOffset(header, 0) >= offset) {
        return position;
      }
      position += BatchLayout.sizeInBytes(header, 0);
    }
    return -1;
  }

  /**
   * A batch-aligned slice of at most {@code maxBytes} starting with the batch that holds {@code
   * offset}; holds at least one whole batch when {@code minOneBatch} even if it is larger. Returns
   * null if no batch in this segment holds an offset >= {@code offset}.
   */
  public LogSlice slice(long offset, int maxBytes, boolean minOneBatch) throws IOException {
    return slice(offset, maxBytes, minOneBatch, Long.MAX_VALUE);
  }

  /**
   * As {@link #slice(long, int, boolean)}, holding only batches that start below {@code endOffset}.
   * The partition passes its published log end offset: the writer appends a batch here before it
   * publishes the new end, and a reader must not hand out records past the end it saw (a consumer
   * would then fetch from an offset the partition still calls out of range).
   */
  public LogSlice slice(long offset, int maxBytes, boolean minOneBatch, long endOffset)
      throws IOException {
    int cutsBefore = cuts;
    int limit = sizeBytes;
    int start = positionOf(offset, limit);
    if (start < 0) {
      return null;
    }
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    readHeader(start, header);
    long firstOffset = BatchLayout.baseOffset(header, 0);
    if (firstOffset >= endOffset) {
      return null;
    }
    long lastOffset = BatchLayout.lastOffset(header, 0);
    int end = start + BatchLayout.sizeInBytes(header, 0);
    if (end - start > maxBytes && !minOneBatch) {
      return new LogSlice(channel, start, 0, firstOffset, firstOffset - 1);
    }
    long byteLimit = Math.min((long) start + maxBytes, limit);
    // Jump close to the byte limit through the index, then walk the last few headers.
    int probe = index.batchPositionAtOrBefore((int) byteLimit);
    if (probe > end) {
      long lastBeforeProbe = offsetBefore(probe);
      if (lastBeforeProbe < endOffset) {
        // Everything from end to probe fits and is published.
        end = probe;
        lastOffset = lastBeforeProbe;
      }
    }
    int position = end;
    while (position < limit) {
      readHeader(position, header);
      int size = BatchLayout.sizeInBytes(header, 0);
      if ((long) position + size > byteLimit || BatchLayout.baseOffset(header, 0) >= endOffset) {
        break;
      }
      position += size;
      end = position;
      lastOffset = BatchLayout.lastOffset(header, 0);
    }
    readHints.set(
        (int) (lastOffset + 1) & (READ_HINT_SLOTS - 1),
        new ReadHint(lastOffset + 1, end, cutsBefore));
    return new LogSlice(channel, start, end - start, firstOffset, lastOffset);
  }

  /** The last offset of the batch that ends at {@code batchStart} (the one before it). */
  private long offsetBefore(int batchStart) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    readHeader(batchStart, header);
    return BatchLayout.baseOffset(header, 0) - 1;
  }

  /**
   * The first offset whose record timestamp is at least {@code timestampMs}, or -1 if none in this
   * segment.
   */
  public long offsetForTimestamp(long timestampMs) throws IOException {
    return offsetForTimestamp(timestampMs, baseOffset);
  }

  /**
   * The first offset at or after {@code fromOffset} whose record timestamp is at least {@code
   * timestampMs}, or -1 if none in this segment.
   */
  public long offsetForTimestamp(long timestampMs, long fromOffset) throws IOException {
    if (maxTimestamp < timestampMs) {
      return -1;
    }
    int limit = sizeBytes;
    int position = index.positionForTimestamp(timestampMs);
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    while (position < limit) {
      readHeader(position, header);
      int size = BatchLayout.sizeInBytes(header, 0);
      if (BatchLayout.maxTimestamp(header, 0) >= timestampMs
          && BatchLayout.lastOffset(header, 0) >= fromOffset) {
        ByteBuffer batch = ByteBuffer.allocate(size);
        Io.readFully(channel, batch, position);
        long found = RecordBatches.firstOffsetWithTimestamp(batch.flip(), fromOffset, timestampMs);
        if (found >= 0) {
          return found;
        }
      }
      position += size;
    }
    return -1;
  }

  /**
   * Cuts the segment so that its last offset is below {@code offset}.
   *
   * @return the number of bytes removed
   */
  public int truncateTo(long offset) throws IOException {
    int position = positionOf(offset);
    if (position < 0) {
      return 0;
    }
    int removed = sizeBytes - position;
    cuts++; // the writer's field: only it writes it
    channel.truncate(position);
    index.truncateToPosition(position);
    // Re-derive the tail state from the remaining batches.
    sizeBytes = position;
    if (position == 0) {
      nextOffset = baseOffset;
      maxTimestamp = -1;
      bytesSinceIndexEntry = 0;
    } else {
      // loadTrusted starts from the current max: the removed batches' timestamps must not stay in
      // it (a segment would never expire by time, and lookups by time would scan it for nothing).
      maxTimestamp = -1;
      loadTrusted(Integer.MAX_VALUE);
    }
    return removed;
  }

  /** Told each batch header of a segment in order; the buffer holds the header at index 0. */
  public interface HeaderVisitor {
    void onHeader(ByteBuffer header);
  }

  /** Reads every batch header of the segment (not the records), in order. */
  public void forEachBatchHeader(HeaderVisitor visitor) throws IOException {
    int limit = sizeBytes;
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    for (int position = 0; position < limit; position += BatchLayout.sizeInBytes(header, 0)) {
      readHeader(position, header);
      visitor.onHeader(header);
    }
  }

  /** Reads the raw bytes [position, position + length) into a new buffer. */
  public ByteBuffer read(int position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    Io.readFully(channel, buffer, position);
    return buffer.flip();
  }

  private void readHeader(int position, ByteBuffer header) throws IOException {
    header.clear();
    Io.readFully(channel, header, position);
    header.flip();
  }

  /** Forces the log and index to the device. */
  public void flush() throws IOException {
    flushLog();
    flushIndex();
  }

  /**
   * Forces only the records to the device: all an acknowledgement needs while recovery would still
   * scan this segment after a crash, because the scan rebuilds the index. Call {@link
   * #flushIndex()} before the segment is trusted without a scan.
   */
  public void flushLog() throws IOException {
    channel.force(false);
  }

  /**
   * Writes the index entries still buffered in memory and forces the index to the device. Writer
   * thread only, or on a segment that takes no more appends.
   */
  public void flushIndex() throws IOException {
    index.flush();
  }

  /**
   * Writes the index entries still buffered in memory to the file (not forced). The writer calls it
   * when it seals the segment, so that nobody else ever has to write a sealed segment's index.
   */
  public void writePendingIndexEntries() throws IOException {
    index.writePendingEntries();
  }

  /** Index entries buffered in memory, not yet in the index file. */
  public int pendingIndexEntryCount() {
    return index.pendingEntryCount();
  }

  /** Renames the files with the {@code .deleted} suffix; readers holding the channel go on. */
  public void markDeleted() throws IOException {
    renameTo(DELETED_SUFFIX);
  }

  /**
   * Renames both files to their usual names followed by {@code suffix} ("" for the usual names).
   * The open channels stay valid.
   */
  public void renameTo(String suffix) throws IOException {
    Path newLog = withSuffix(logPath(directory, baseOffset), suffix);
    Path newIndex = withSuffix(indexPath(directory, baseOffset), suffix);
    Files.move(logFile, newLog, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    logFile = newLog;
    Files.move(indexFile, newIndex, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    indexFile = newIndex;
  }

  /** Closes and removes the files, wherever they are named now. */
  public void closeAndDelete() throws IOException {
    close();
    Files.deleteIfExists(logFile);
    Files.deleteIfExists(indexFile);
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      index.close();
    }
  }

  @Override
  public String toString() {
    return "LogSegment[" + logPath() + ", size=" + sizeBytes + ", next=" + nextOffset + "]";
  }
}
