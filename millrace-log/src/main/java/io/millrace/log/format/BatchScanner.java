package io.millrace.log.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads the batches stored in a segment file one after another and stops at the first one that is
 * torn, damaged or out of order. Recovery uses it to find where the valid part of a segment ends;
 * index rebuilding uses it to revisit every batch.
 *
 * <p>Not thread-safe; allocates one read buffer that grows to the largest batch seen.
 */
public final class BatchScanner {

  /** Told about each valid batch, in file order. */
  public interface Visitor {
    void onBatch(
        long filePosition, int sizeBytes, long baseOffset, long lastOffset, long maxTimestamp)
        throws IOException;
  }

  /** Where the scan stopped and why; {@code problem} is null when it reached the end cleanly. */
  public record Outcome(long validEndPosition, long nextOffset, String problem) {}

  private final int maxBatchBytes;
  private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

  /**
   * @param maxBatchBytes a batch claiming to be larger is treated as damage
   */
  public BatchScanner(int maxBatchBytes) {
    this.maxBatchBytes = maxBatchBytes;
  }

  /**
   * Scans from {@code startPosition} to {@code endPosition}, checking framing, magic, CRC and that
   * offsets only move forward from {@code expectedNextOffset}.
   */
  public Outcome scan(
      FileChannel channel,
      long startPosition,
      long endPosition,
      long expectedNextOffset,
      Visitor visitor)
      throws IOException {
    long position = startPosition;
    long nextOffset = expectedNextOffset;
    ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
    while (position < endPosition) {
      if (endPosition - position < BatchLayout.HEADER_SIZE) {
        return new Outcome(position, nextOffset, "torn batch header at position " + position);
      }
      header.clear();
      readFully(channel, header, position);
      int size = BatchLayout.sizeInBytes(header, 0);
      if (size < BatchLayout.HEADER_SIZE || size > maxBatchBytes || size > endPosition - position) {
        return new Outcome(
            position, nextOffset, "batch length " + size + " invalid at position " + position);
      }
      if (BatchLayout.magic(header, 0) != BatchLayout.MAGIC_V2) {
        return new Outcome(position, nextOffset, "bad magic at position " + position);
      }
      long baseOffset = BatchLayout.baseOffset(header, 0);
      if (baseOffset < nextOffset) {
        return new Outcome(
            position,
            nextOffset,
            "offset " + baseOffset + " goes backwards (expected >= " + nextOffset + ")");
      }
      ByteBuffer batch = batchBuffer(size);
      readFully(channel, batch, position);
      if (BatchLayout.computeCrc(batch, 0, size) != BatchLayout.storedCrc(batch, 0)) {
        return new Outcome(position, nextOffset, "CRC-32C mismatch at position " + position);
      }
      long lastOffset = BatchLayout.lastOffset(batch, 0);
      visitor.onBatch(position, size, baseOffset, lastOffset, BatchLayout.maxTimestamp(batch, 0));
      nextOffset = lastOffset + 1;
      position += size;
    }
    return new Outcome(position, nextOffset, null);
  }

  private ByteBuffer batchBuffer(int size) {
    if (buffer.capacity() < size) {
      buffer = ByteBuffer.allocate(Math.max(size, buffer.capacity() * 2));
    }
    buffer.clear().limit(size);
    return buffer;
  }

  private static void readFully(FileChannel channel, ByteBuffer target, long position)
      throws IOException {
    long at = position;
    while (target.hasRemaining()) {
      int read = channel.read(target, at);
      if (read < 0) {
        throw new IOException("unexpected end of file at " + at);
      }
      at += read;
    }
    target.flip();
  }
}
