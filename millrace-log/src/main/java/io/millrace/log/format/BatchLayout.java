package io.millrace.log.format;

import java.nio.ByteBuffer;

/**
 * The byte layout of a Kafka record batch, version 2 (magic 2): the unit Millrace stores on disk
 * and sends on the wire unchanged. This package is the only code in Millrace that knows it.
 *
 * <pre>
 *  offset size  field
 *  ------ ----  ---------------------------------------------------------------
 *       0    8  baseOffset            assigned by the log on append
 *       8    4  batchLength           bytes after this field (total size - 12)
 *      12    4  partitionLeaderEpoch  written by the log (always 0 here)
 *      16    1  magic                 2
 *      17    4  crc                   CRC-32C of bytes [21, end)
 *      21    2  attributes            bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4,
 *                                     4 zstd), bit 3 timestamp type (1 = log append time),
 *                                     bit 4 transactional, bit 5 control, bit 6 delete horizon set
 *      23    4  lastOffsetDelta       offset of the last record relative to baseOffset
 *      27    8  baseTimestamp         (the delete horizon when bit 6 is set)
 *      35    8  maxTimestamp
 *      43    8  producerId
 *      51    2  producerEpoch
 *      53    4  baseSequence
 *      57    4  recordsCount
 *      61    -  records (compressed as a whole when the compression bits are non-zero)
 * </pre>
 *
 * <p>The CRC deliberately leaves out baseOffset and partitionLeaderEpoch: the log writes those
 * without recomputing the checksum. Log-append time changes maxTimestamp and attributes, which the
 * CRC covers, so that path recomputes it.
 *
 * <p>All accessors use absolute positions and never move the buffer's position or limit.
 */
public final class BatchLayout {

  public static final int BASE_OFFSET = 0;
  public static final int BATCH_LENGTH = 8;
  public static final int PARTITION_LEADER_EPOCH = 12;
  public static final int MAGIC = 16;
  public static final int CRC = 17;
  public static final int ATTRIBUTES = 21;
  public static final int LAST_OFFSET_DELTA = 23;
  public static final int BASE_TIMESTAMP = 27;
  public static final int MAX_TIMESTAMP = 35;
  public static final int PRODUCER_ID = 43;
  public static final int PRODUCER_EPOCH = 51;
  public static final int BASE_SEQUENCE = 53;
  public static final int RECORDS_COUNT = 57;
  public static final int RECORDS = 61;

  /** Size of the header, and so of the smallest possible batch. */
  public static final int HEADER_SIZE = RECORDS;

  /** Bytes before batchLength's count starts: baseOffset and batchLength themselves. */
  public static final int LOG_OVERHEAD = 12;

  public static final byte MAGIC_V2 = 2;

  static final int COMPRESSION_MASK = 0x07;
  static final int TIMESTAMP_TYPE_MASK = 0x08;
  static final int TRANSACTIONAL_MASK = 0x10;
  static final int CONTROL_MASK = 0x20;

  private BatchLayout() {}

  public static long baseOffset(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + BASE_OFFSET);
  }

  /** Whole size of the batch in bytes, header included. */
  public static int sizeInBytes(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + BATCH_LENGTH) + LOG_OVERHEAD;
  }

  public static byte magic(ByteBuffer buffer, int batchStart) {
    return buffer.get(batchStart + MAGIC);
  }

  public static int lastOffsetDelta(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + LAST_OFFSET_DELTA);
  }

  public static long lastOffset(ByteBuffer buffer, int batchStart) {
    return baseOffset(buffer, batchStart) + lastOffsetDelta(buffer, batchStart);
  }

  public static long maxTimestamp(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + MAX_TIMESTAMP);
  }

  public static int recordsCount(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + RECORDS_COUNT);
  }

  public static short attributes(ByteBuffer buffer, int batchStart) {
    return buffer.getShort(batchStart + ATTRIBUTES);
  }

  public static int compressionId(ByteBuffer buffer, int batchStart) {
    return attributes(buffer, batchStart) & COMPRESSION_MASK;
  }

  public static boolean isControl(ByteBuffer buffer, int batchStart) {
    return (attributes(buffer, batchStart) & CONTROL_MASK) != 0;
  }

  public static boolean isTransactional(ByteBuffer buffer, int batchStart) {
    return (attributes(buffer, batchStart) & TRANSACTIONAL_MASK) != 0;
  }

  public static long producerId(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + PRODUCER_ID);
  }

  public static short producerEpoch(ByteBuffer buffer, int batchStart) {
    return buffer.getShort(batchStart + PRODUCER_EPOCH);
  }

  public static int baseSequence(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + BASE_SEQUENCE);
  }

  /** The sequence number of the batch's last record (sequences wrap at Integer.MAX_VALUE). */
  public static int lastSequence(ByteBuffer buffer, int batchStart) {
    int base = baseSequence(buffer, batchStart);
    if (base < 0) {
      return base;
    }
    long last = (long) base + lastOffsetDelta(buffer, batchStart);
    return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
  }

  public static long storedCrc(ByteBuffer buffer, int batchStart) {
    return Integer.toUnsignedLong(buffer.getInt(batchStart + CRC));
  }

  /** The CRC-32C over [attributes, end) as it should be stored. */
  public static long computeCrc(ByteBuffer buffer, int batchStart, int sizeInBytes) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(buffer.slice(batchStart + ATTRIBUTES, sizeInBytes - ATTRIBUTES));
    return crc.getValue();
  }
}
