package io.millrace.log.format;

import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integers as record batch v2 encodes record fields. Decoding works on
 * absolute positions and reports malformed input by returning {@link #MALFORMED} in the cursor
 * instead of throwing, because malformed client input is an expected outcome, not a bug.
 */
final class Varints {

  /** Cursor value that marks malformed or truncated input. */
  static final int MALFORMED = -1;

  private Varints() {}

  /**
   * A reading position within [start, limit); {@code value} holds the last decoded number and
   * {@code position} becomes {@link #MALFORMED} on a bad encoding.
   */
  static final class Cursor {
    int position;
    int limit;
    long value;

    Cursor reset(int position, int limit) {
      this.position = position;
      this.limit = limit;
      return this;
    }

    boolean ok() {
      return position != MALFORMED;
    }

    /** Reads a zig-zag varint of at most 5 bytes (an int). */
    long readVarint(ByteBuffer buffer) {
      return readZigZag(buffer, 5);
    }

    /** Reads a zig-zag varlong of at most 10 bytes. */
    long readVarlong(ByteBuffer buffer) {
      return readZigZag(buffer, 10);
    }

    /** Skips {@code count} bytes, failing if that passes the limit. */
    void skip(long count) {
      if (position == MALFORMED) {
        return;
      }
      if (count < 0 || count > limit - position) {
        position = MALFORMED;
        return;
      }
      position += (int) count;
    }

    private long readZigZag(ByteBuffer buffer, int maxBytes) {
      if (position == MALFORMED) {
        return 0;
      }
      long raw = 0;
      int shift = 0;
      for (int i = 0; i < maxBytes; i++) {
        if (position >= limit) {
          position = MALFORMED;
          return 0;
        }
        byte b = buffer.get(position++);
        raw |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          value = (raw >>> 1) ^ -(raw & 1);
          return value;
        }
        shift += 7;
      }
      position = MALFORMED;
      return 0;
    }
  }
}
