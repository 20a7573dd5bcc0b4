package io.millrace.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes values of the {@link Values} model as compact UTF-8 JSON into a buffer it reuses, so
 * encoding a record allocates only the returned array. Hand-written rather than a Jackson generator
 * per record: creating the generator cost more than writing a 100-byte document. Numbers that are
 * not finite are written as strings (JSON has no NaN or Infinity); anything outside the model is
 * written as its text. Not thread-safe: one per task.
 */
public final class JsonEncoder {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private byte[] buffer = new byte[512];
  private int length;

  /** The JSON of {@code value}, in a new array. */
  public byte[] encode(Object value) {
    length = 0;
    write(value);
    return Arrays.copyOf(buffer, length);
  }

  private void write(Object value) {
    switch (value) {
      case null -> append(NULL);
      case String text -> writeString(text);
      case Long number -> writeAscii(Long.toString(number));
      case Integer number -> writeAscii(Integer.toString(number));
      case Double number -> {
        if (Double.isFinite(number)) {
          writeAscii(Double.toString(number));
        } else {
          writeString(number.toString());
        }
      }
      case Boolean flag -> append(flag ? TRUE : FALSE);
      case Map<?, ?> map -> {
        appendByte('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          if (!first) {
            appendByte(',');
          }
          first = false;
          writeString(String.valueOf(entry.getKey()));
          appendByte(':');
          write(entry.getValue());
        }
        appendByte('}');
      }
      case List<?> list -> {
        appendByte('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            appendByte(',');
          }
          write(list.get(i));
        }
        appendByte(']');
      }
      default -> writeString(value.toString());
    }
  }

  private void writeString(String text) {
    ensure(text.length() * 6 + 2); // the worst case: every char as \\uXXXX
    byte[] out = buffer;
    int at = length;
    out[at++] = '"';
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        out[at++] = (byte) c;
      } else if (c < 0x80) {
        at = escape(out, at, c);
      } else if (c < 0x800) {
        out[at++] = (byte) (0xc0 | (c >> 6));
        out[at++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int codePoint = Character.toCodePoint(c, text.charAt(++i));
        out[at++] = (byte) (0xf0 | (codePoint >> 18));
        out[at++] = (byte) (0x80 | ((codePoint >> 12) & 0x3f));
        out[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3f));
        out[at++] = (byte) (0x80 | (codePoint & 0x3f));
      } else if (Character.isSurrogate(c)) {
        at = escape(out, at, c); // a lone surrogate: keep it, escaped, rather than corrupt it
      } else {
        out[at++] = (byte) (0xe0 | (c >> 12));
        out[at++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        out[at++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    out[at++] = '"';
    length = at;
  }

  private static int escape(byte[] out, int at, char c) {
    out[at++] = '\\';
    switch (c) {
      case '"' -> out[at++] = '"';
      case '\\' -> out[at++] = '\\';
      case '\n' -> out[at++] = 'n';
      case '\r' -> out[at++] = 'r';
      case '\t' -> out[at++] = 't';
      case '\b' -> out[at++] = 'b';
      case '\f' -> out[at++] = 'f';
      default -> {
        out[at++] = 'u';
        out[at++] = HEX[(c >> 12) & 0xf];
        out[at++] = HEX[(c >> 8) & 0xf];
        out[at++] = HEX[(c >> 4) & 0xf];
        out[at++] = HEX[c & 0xf];
      }
    }
    return at;
  }

  private void writeAscii(String text) {
    ensure(text.length());
    for (int i = 0; i < text.length(); i++) {
      buffer[length++] = (byte) text.charAt(i);
    }
  }

  private void append(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buffer, length, bytes.length);
    length += bytes.length;
  }

  private void appendByte(char c) {
    ensure(1);
    buffer[length++] = (byte) c;
  }

  private void ensure(int more) {
    if (length + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
    }
  }
}
