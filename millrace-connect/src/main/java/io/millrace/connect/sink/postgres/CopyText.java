package io.millrace.connect.sink.postgres;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable buffer of rows in PostgreSQL's COPY text format, reused batch after batch.
 *
 * <pre>
 *   row    = value ( TAB value )* LF
 *   value  = \N                        SQL NULL
 *          | text with \ → \\, TAB → \t, LF → \n, CR → \r
 * </pre>
 *
 * Text is written as UTF-8 (the sink's connections use client_encoding UTF8, PgJDBC's default). Not
 * thread-safe.
 */
final class CopyText {

  private byte[] bytes = new byte[64 * 1024];
  private int length;

  void clear() {
    length = 0;
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  /** Appends one row: an optional leading sequence number, then the values. */
  void appendRow(long sequence, String[] values) {
    boolean first = true;
    if (sequence >= 0) {
      appendAscii(Long.toString(sequence));
      first = false;
    }
    for (String value : values) {
      if (!first) {
        appendByte('\t');
      }
      first = false;
      if (value == null) {
        appendByte('\\');
        appendByte('N');
      } else {
        appendEscaped(value);
      }
    }
    appendByte('\n');
  }

  private void appendEscaped(String value) {
    int start = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      char escape =
          switch (c) {
            case '\\' -> '\\';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\r' -> 'r';
            default -> 0;
          };
      if (escape != 0) {
        appendUtf8(value, start, i);
        appendByte('\\');
        appendByte(escape);
        start = i + 1;
      }
    }
    appendUtf8(value, start, value.length());
  }

  private void appendUtf8(String value, int from, int to) {
    if (from == to) {
      return;
    }
    boolean ascii = true;
    for (int i = from; i < to && ascii; i++) {
      ascii = value.charAt(i) < 0x80;
    }
    if (ascii) {
      ensure(to - from);
      for (int i = from; i < to; i++) {
        bytes[length++] = (byte) value.charAt(i);
      }
    } else {
      byte[] utf8 = value.substring(from, to).getBytes(StandardCharsets.UTF_8);
      ensure(utf8.length);
      System.arraycopy(utf8, 0, bytes, length, utf8.length);
      length += utf8.length;
    }
  }

  private void appendAscii(String text) {
    appendUtf8(text, 0, text.length());
  }

  private void appendByte(char c) {
    ensure(1);
    bytes[length++] = (byte) c;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
