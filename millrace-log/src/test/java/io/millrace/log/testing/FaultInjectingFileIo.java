package io.millrace.log.testing;

import io.millrace.log.segment.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileIo} that behaves like a small disk that fills up: every channel it opens shares one
 * byte budget, a write that would grow files past it writes what still fits and then fails with "No
 * space left on device" (as Linux does: a short write, then ENOSPC), and truncation gives bytes
 * back. Opens and fsyncs can be made to fail too. {@link #spaceReturns()} lifts every fault.
 *
 * <p>Only files the log opens through {@code FileIo} (segments and indexes) are affected; small
 * metadata files written with {@code Io.writeAtomically} are not. Thread-safe.
 */
public final class FaultInjectingFileIo implements FileIo {

  /** The message of every injected failure, the text of Linux's ENOSPC. */
  public static final String NO_SPACE = "No space left on device";

  private static final long UNLIMITED = Long.MAX_VALUE;

  private final AtomicLong freeBytes = new AtomicLong(UNLIMITED);
  private final AtomicBoolean failOpens = new AtomicBoolean();
  private final AtomicBoolean failForces = new AtomicBoolean();
  private final AtomicInteger injectedFailures = new AtomicInteger();

  /** From now on only {@code bytes} more bytes fit on the "disk". */
  public void limitFreeBytes(long bytes) {
    freeBytes.set(bytes);
  }

  /** Opening (creating) a file fails, as when a new segment cannot be created. */
  public void failOpens(boolean fail) {
    failOpens.set(fail);
  }

  /** {@link FileChannel#force} fails, as on a device error during fsync. */
  public void failForces(boolean fail) {
    failForces.set(fail);
  }

  /** Space is back and every injected fault is lifted. */
  public void spaceReturns() {
    freeBytes.set(UNLIMITED);
    failOpens.set(false);
    failForces.set(false);
  }

  /** How many operations failed because of this object so far. */
  public int injectedFailures() {
    return injectedFailures.get();
  }

  @Override
  public FileChannel open(Path path, OpenOption... options) throws IOException {
    if (failOpens.get()) {
      injectedFailures.incrementAndGet();
      throw new IOException(path + ": " + NO_SPACE);
    }
    return new FaultyChannel(FileChannel.open(path, options));
  }

  private IOException noSpace() {
    injectedFailures.incrementAndGet();
    return new IOException(NO_SPACE);
  }

  /** Takes up to {@code wanted} bytes of the budget; returns how many were granted. */
  private long reserve(long wanted) {
    while (true) {
      long free = freeBytes.get();
      if (free == UNLIMITED) {
        return wanted;
      }
      long granted = Math.min(free, wanted);
      if (freeBytes.compareAndSet(free, free - granted)) {
        return granted;
      }
    }
  }

  private void release(long bytes) {
    freeBytes.getAndUpdate(free -> free == UNLIMITED ? UNLIMITED : free + bytes);
  }

  /** Delegates to a real channel, charging file growth against the shared budget. */
  private final class FaultyChannel extends FileChannel {

    private final FileChannel delegate;

    FaultyChannel(FileChannel delegate) {
      this.delegate = delegate;
    }

    /**
     * Writes {@code source} at {@code position}, or as much of it as the budget allows; fails only
     * when not a single byte fits (the next write after a short one).
     */
    private int writeLimited(ByteBuffer source, long position) throws IOException {
      synchronized (this) {
        long size = delegate.size();
        long growth = Math.max(0, position + source.remaining() - size);
        long granted = reserve(growth);
        long writable = source.remaining() - (growth - granted);
        if (writable <= 0) {
          throw noSpace();
        }
        ByteBuffer part = source.duplicate();
        part.limit(part.position() + (int) writable);
        int written = delegate.write(part, position);
        source.position(source.position() + written);
        release(granted - Math.max(0, position + written - size));
        return written;
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      synchronized (this) {
        int written = writeLimited(src, delegate.position());
        delegate.position(delegate.position() + written);
        return written;
      }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        while (srcs[i].hasRemaining()) {
          total += write(srcs[i]);
        }
      }
      return total;
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      synchronized (this) {
        long before = delegate.size();
        delegate.truncate(size);
        release(Math.max(0, before - delegate.size()));
        return this;
      }
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (failForces.get()) {
        injectedFailures.incrementAndGet();
        throw new IOException("Input/output error (injected fsync failure)");
      }
      delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      throw new UnsupportedOperationException("the log never uses transferFrom");
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return writeLimited(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      throw new UnsupportedOperationException("the log never maps files");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      delegate.close();
    }
  }
}
