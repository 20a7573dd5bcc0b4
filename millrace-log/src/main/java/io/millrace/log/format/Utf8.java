package io.millrace.log.format;

import java.nio.ByteBuffer;

/**
 * UTF-8 length and encoding of strings straight into a buffer, so record header keys cost no {@code
 * byte[]} per record. Unpaired surrogates are written as '?', as {@link String#getBytes} does.
 * Stateless and thread-safe.
 */
final class Utf8 {

  private Utf8() {}

  static int encodedLength(String text) {
    int length = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        length += 1;
      } else if (c < 0x800) {
        length += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        length += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        length += 1;
      } else {
        length += 3;
      }
    }
    return length;
  }

  static void write(String text, ByteBuffer out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out.put((byte) c);
      } else if (c < 0x800) {
        out.put((byte) (0xc0 | (c >> 6)));
        out.put((byte) (0x80 | (c & 0x3f)));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int codePoint = Character.toCodePoint(c, text.charAt(++i));
        out.put((byte) (0xf0 | (codePoint >> 18)));
        out.put((byte) (0x80 | ((codePoint >> 12) & 0x3f)));
        out.put((byte) (0x80 | ((codePoint >> 6) & 0x3f)));
        out.put((byte) (0x80 | (codePoint & 0x3f)));
      } else if (Character.isSurrogate(c)) {
        out.put((byte) '?');
      } else {
        out.put((byte) (0xe0 | (c >> 12)));
        out.put((byte) (0x80 | ((c >> 6) & 0x3f)));
        out.put((byte) (0x80 | (c & 0x3f)));
      }
    }
  }
}
