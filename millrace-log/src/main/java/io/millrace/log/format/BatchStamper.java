package io.millrace.log.format;

import java.nio.ByteBuffer;

/**
 * Writes what the log decides into validated batches before they are stored: the base offset, the
 * partition leader epoch and, for topics with log-append time, the timestamp type and max timestamp
 * (recomputing the CRC, which covers them).
 */
public final class BatchStamper {

  /** Marker for {@code logAppendTimeMs}: keep the producer's timestamps. */
  public static final long KEEP_CREATE_TIME = -1L;

  private BatchStamper() {}

  /**
   * Assigns consecutive offsets starting at {@code firstOffset} to the already validated batches
   * between the buffer's position and limit.
   *
   * @return the offset after the last record (the next offset to assign)
   */
  public static long stamp(ByteBuffer batches, long firstOffset, long logAppendTimeMs) {
    long nextOffset = firstOffset;
    int position = batches.position();
    int end = batches.limit();
    while (position < end) {
      int size = BatchLayout.sizeInBytes(batches, position);
      batches.putLong(position + BatchLayout.BASE_OFFSET, nextOffset);
      batches.putInt(position + BatchLayout.PARTITION_LEADER_EPOCH, 0);
      if (logAppendTimeMs != KEEP_CREATE_TIME) {
        short attributes = BatchLayout.attributes(batches, position);
        batches.putShort(
            position + BatchLayout.ATTRIBUTES,
            (short) (attributes | BatchLayout.TIMESTAMP_TYPE_MASK));
        batches.putLong(position + BatchLayout.MAX_TIMESTAMP, logAppendTimeMs);
        batches.putInt(
            position + BatchLayout.CRC, (int) BatchLayout.computeCrc(batches, position, size));
      }
      nextOffset += BatchLayout.lastOffsetDelta(batches, position) + 1L;
      position += size;
    }
    return nextOffset;
  }
}
