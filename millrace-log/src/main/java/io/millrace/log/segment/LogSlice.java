package io.millrace.log.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A batch-aligned range of a segment file: whole record batches from {@code firstOffset} to {@code
 * lastOffset}, ready to be sent with {@link FileChannel#transferTo} (zero copy) or read into
 * memory. An empty slice ({@code sizeBytes == 0}) means no data at the requested offset yet.
 *
 * <p>The slice stays valid after the segment is deleted or compacted away as long as the file's
 * channel is open; the log keeps deleted segments open for file.delete.delay.ms for this reason.
 */
public record LogSlice(
    FileChannel channel, long position, int sizeBytes, long firstOffset, long lastOffset) {

  /** The offset a reader continues from after consuming this slice. */
  public long nextOffset() {
    return lastOffset + 1;
  }

  public boolean isEmpty() {
    return sizeBytes == 0;
  }

  /** Reads the slice into a new heap buffer (position 0, limit = size). */
  public ByteBuffer read() throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(sizeBytes);
    Io.readFully(channel, buffer, position);
    return buffer.flip();
  }

  /** Sends the slice's bytes to {@code target} without copying them through the heap. */
  public long transferTo(WritableByteChannel target) throws IOException {
    long sent = 0;
    while (sent < sizeBytes) {
      long n = channel.transferTo(position + sent, sizeBytes - sent, target);
      if (n <= 0) {
        break;
      }
      sent += n;
    }
    return sent;
  }
}
