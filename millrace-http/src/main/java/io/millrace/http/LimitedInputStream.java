package io.millrace.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * A request body that throws the given (413) exception as soon as more than {@code limitBytes} have
 * been read, so a streaming handler never reads past the limit. Not thread-safe: one reader.
 */
final class LimitedInputStream extends FilterInputStream {

  private final long limitBytes;
  private final Supplier<? extends RuntimeException> tooLarge;
  private long readBytes;

  LimitedInputStream(
      InputStream in, long limitBytes, Supplier<? extends RuntimeException> tooLarge) {
    super(in);
    this.limitBytes = limitBytes;
    this.tooLarge = tooLarge;
  }

  @Override
  public int read() throws IOException {
    if (readBytes > limitBytes) {
      throw tooLarge.get();
    }
    int b = in.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (readBytes > limitBytes) {
      throw tooLarge.get(); // every later read too, so a drain loop ends
    }
    // Ask for one byte more than the limit allows at most, to notice a body that goes past it.
    long allowed = limitBytes - readBytes + 1;
    int n = in.read(buffer, offset, (int) Math.min(length, allowed));
    if (n > 0) {
      count(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("skipping is not supported");
  }

  private void count(int n) {
    readBytes += n;
    if (readBytes > limitBytes) {
      throw tooLarge.get();
    }
  }
}
