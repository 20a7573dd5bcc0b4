package io.millrace.log.format;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One record as stored in the log: its offset, timestamp, optional key and value, and headers. A
 * null value on a compacted topic is a tombstone. Instances own copies of their bytes.
 */
public record LogRecord(
    long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {

  /** A record header; the key is never null, the value may be. */
  public record Header(String key, byte[] value) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
      return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return key + "=" + (value == null ? "null" : value.length + "B");
    }
  }

  public LogRecord {
    headers = List.copyOf(headers);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LogRecord r
        && offset == r.offset
        && timestamp == r.timestamp
        && Arrays.equals(key, r.key)
        && Arrays.equals(value, r.value)
        && headers.equals(r.headers);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(offset) * 31 + Arrays.hashCode(key) * 17 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "LogRecord[offset="
        + offset
        + ", timestamp="
        + timestamp
        + ", key="
        + (key == null ? "null" : key.length + "B")
        + ", value="
        + (value == null ? "null" : value.length + "B")
        + ", headers="
        + headers
        + "]";
  }

  static byte[] bytesOf(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
