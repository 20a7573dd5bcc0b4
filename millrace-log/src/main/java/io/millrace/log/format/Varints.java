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
      int at = position;
      if (at == MALFORMED) {
        return 0;
      }
      // Record fields are mostly one or two bytes long: decode those without the loop, on locals,
      // storing the cursor once. This runs several times for every record appended.
      if (limit - at >= 2) {
        int first = buffer.get(at);
        if (first >= 0) {
          return decoded(at + 1, first);
        }
        int second = buffer.get(at + 1);
        if (second >= 0) {
          return decoded(at + 2, (first & 0x7f) | (second << 7));
        }
      }
      long raw = 0;
      int shift = 0;
      for (int i = 0; i < maxBytes; i++) {
        if (at >= limit) {
          position = MALFORMED;
          return 0;
        }
        byte b = buffer.get(at++);
        raw |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return decoded(at, raw);
        }
        shift += 7;
      }
      position = MALFORMED;
      return 0;
    }

    private long decoded(int next, long raw) {
      position = next;
      value = (raw >>> 1) ^ -(raw & 1);
      return value;
    }
  }
}
