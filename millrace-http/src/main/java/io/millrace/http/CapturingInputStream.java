package io.millrace.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Keeps the bytes read through it from a mark onward, so that a record's exact bytes can be copied
 * out by their absolute offsets in the body once the JSON parser has found where the record starts
 * and ends. The parser reads ahead by at most its buffer, so what is kept is one record plus that
 * buffer. Not thread-safe: one reader.
 */
final class CapturingInputStream extends FilterInputStream {

  /** The body's bytes from absolute offset {@link #keptFrom}, {@link #keptLength} of them. */
  private byte[] kept = new byte[16 * 1024];

  private long keptFrom;
  private int keptLength;

  CapturingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n <= 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      if (keptLength + n > kept.length) {
        kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + n));
      }
      System.arraycopy(buffer, offset, kept, keptLength, n);
      keptLength += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("skipping is not supported");
  }

  /** A copy of the body's bytes at absolute offsets [start, end), which must still be kept. */
  byte[] copy(long start, long end) {
    if (start < keptFrom || end > keptFrom + keptLength || start > end) {
      throw new IllegalStateException(
          "bytes " + start + ".." + end + " are not kept (" + keptFrom + "+" + keptLength + ")");
    }
    int from = (int) (start - keptFrom);
    return Arrays.copyOfRange(kept, from, from + (int) (end - start));
  }

  /** Forgets the bytes before absolute offset {@code offset}. */
  void discardBefore(long offset) {
    int drop = (int) Math.min(keptLength, Math.max(0, offset - keptFrom));
    System.arraycopy(kept, drop, kept, 0, keptLength - drop);
    keptLength -= drop;
    keptFrom += drop;
  }
}
