package io.millrace.connect.sink.file;

import io.millrace.common.Clock;
import io.millrace.engine.sink.RetriableSinkException;
import io.millrace.engine.sink.Sink;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.pipeline.definition.FileOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * Appends record values as JSON Lines to rolling files: {@code
 * PREFIX-YYYYMMDDTHHMMSSZ-ID-SEQ.jsonl} is written as {@code ….jsonl.inprogress} and atomically
 * renamed to its final name when it rolls (once it holds {@code roll_bytes}, or once it is {@code
 * roll_interval_ms} old: checked at each write and every second by {@link #rollIfDue}) or when the
 * sink closes. A write completes after its bytes are fsynced.
 *
 * <p>Delivery is at least once: records replayed after a crash are appended again (to a new file).
 * Final files are never partial; an {@code .inprogress} file left by a crash holds acknowledged
 * lines and is finalized by {@link #recover} when the output next starts.
 *
 * <p>A value is written as one line; raw line breaks in it (JSON whitespace) become spaces, so a
 * pretty-printed document still takes one line. A record without a value is written as {@code
 * null}.
 *
 * <p>Threading: one write at a time (the {@link Sink} contract); file I/O runs on the given
 * executor. {@link #rollIfDue} may be called from a timer thread at any time: the file state is
 * guarded by {@code this}, uncontended but for the timer.
 */
public final class JsonLinesFileSink implements Sink {

  static final String IN_PROGRESS = ".inprogress";
  static final String EXTENSION = ".jsonl";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final FileOutput output;
  private final Path directory;
  private final String instanceId;
  private final Clock clock;
  private final Executor executor;

  private FileChannel channel;
  private Path inProgress;
  private Path finalName;
  private long fileBytes;
  private long openedAtMs;
  private int sequence;
  private boolean closed;
  private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

  /**
   * @param instanceId distinguishes this sink's files from those of the output's other sinks
   */
  public JsonLinesFileSink(FileOutput output, String instanceId, Clock clock, Executor executor) {
    this.output = output;
    this.directory = Path.of(output.directory());
    this.instanceId = instanceId;
    this.clock = clock;
    this.executor = executor;
  }

  @Override
  public CompletableFuture<SinkResult> write(List<SinkRecord> records) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            writeNow(records);
            return SinkResult.delivered();
          } catch (IOException | UncheckedIOException e) {
            synchronized (this) {
              abandonFile();
            }
            throw new CompletionException(
                new RetriableSinkException("writing " + directory + " failed: " + e, e));
          }
        },
        executor);
  }

  /**
   * Rolls the current file when it is {@code roll_interval_ms} old, so an output that stopped
   * receiving records still finalizes its last file. Called by a timer ({@code Sinks} runs one
   * every second), concurrently with writes; returns false when the roll failed (what was
   * acknowledged is kept in a final file when possible; the next write opens a new file).
   */
  public synchronized boolean rollIfDue() {
    if (channel == null || clock.millis() - openedAtMs < output.rollIntervalMs()) {
      return true;
    }
    try {
      roll();
      return true;
    } catch (IOException e) {
      abandonFile();
      return false;
    }
  }

  /** True once {@link #close} was called. */
  public synchronized boolean isClosed() {
    return closed;
  }

  private synchronized void writeNow(List<SinkRecord> records) throws IOException {
    if (channel != null && clock.millis() - openedAtMs >= output.rollIntervalMs()) {
      roll();
    }
    if (records.isEmpty()) {
      return;
    }
    if (channel == null) {
      open();
    }
    buffer.clear();
    for (SinkRecord record : records) {
      appendLine(record.value());
    }
    buffer.flip();
    long written = 0;
    while (buffer.hasRemaining()) {
      written += channel.write(buffer);
    }
    channel.force(false);
    fileBytes += written; // only acknowledged bytes count: abandonFile() cuts back to them
    if (fileBytes >= output.rollBytes()) {
      roll();
    }
  }

  private void appendLine(byte[] value) {
    byte[] line = value == null ? new byte[] {'n', 'u', 'l', 'l'} : value;
    ensure(line.length + 1);
    int start = buffer.position();
    buffer.put(line);
    for (int i = start; i < buffer.position(); i++) {
      byte b = buffer.get(i);
      if (b == '\n' || b == '\r') {
        buffer.put(i, (byte) ' ');
      }
    }
    buffer.put((byte) '\n');
  }

  private void ensure(int more) {
    if (buffer.remaining() < more) {
      ByteBuffer bigger =
          ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more));
      buffer.flip();
      bigger.put(buffer);
      buffer = bigger;
    }
  }

  private void open() throws IOException {
    Files.createDirectories(directory);
    openedAtMs = clock.millis();
    String name =
        output.prefix()
            + "-"
            + STAMP.format(Instant.ofEpochMilli(openedAtMs))
            + "-"
            + instanceId
            + "-"
            + String.format("%06d", sequence++)
            + EXTENSION;
    finalName = directory.resolve(name);
    inProgress = directory.resolve(name + IN_PROGRESS);
    channel = FileChannel.open(inProgress, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    fileBytes = 0;
  }

  /** Closes the current file and renames it to its final name; the rename is made durable. */
  private void roll() throws IOException {
    FileChannel closing = channel;
    channel = null;
    closing.force(true);
    closing.close();
    moveAtomically(inProgress, finalName);
    fsyncDirectory(directory);
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system cannot rename " + from + " atomically", e);
    }
  }

  private static void fsyncDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  /**
   * After a failed write the file may end with part of a batch that was not acknowledged and will
   * be written again: finalize the file up to its last acknowledged byte and start a new one.
   */
  private void abandonFile() {
    if (channel == null) {
      return;
    }
    long acknowledged = fileBytes;
    try {
      channel.truncate(acknowledged);
      if (acknowledged == 0) {
        channel.close();
        Files.deleteIfExists(inProgress);
        channel = null;
      } else {
        roll();
      }
    } catch (IOException e) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Already failing; the file stays .inprogress and recover() handles it at next start.
      }
    } finally {
      channel = null;
    }
  }

  /**
   * Finalizes {@code .inprogress} files a crashed run of this output left in its directory: each is
   * cut after its last complete line (a partial last line was never acknowledged; its record will
   * be replayed) and renamed to its final name, or deleted when nothing complete is left. Call
   * before any sink of the output writes.
   */
  public static void recover(FileOutput output) throws IOException {
    Path directory = Path.of(output.directory());
    if (!Files.isDirectory(directory)) {
      return;
    }
    List<Path> leftovers;
    try (Stream<Path> files = Files.list(directory)) {
      leftovers =
          files
              .filter(
                  p -> {
                    String name = p.getFileName().toString();
                    return name.startsWith(output.prefix() + "-") && name.endsWith(IN_PROGRESS);
                  })
              .toList();
    }
    for (Path leftover : leftovers) {
      long complete = lengthOfCompleteLines(leftover);
      if (complete == 0) {
        Files.delete(leftover);
        continue;
      }
      try (FileChannel file = FileChannel.open(leftover, StandardOpenOption.WRITE)) {
        file.truncate(complete);
        file.force(true);
      }
      String name = leftover.getFileName().toString();
      moveAtomically(
          leftover, directory.resolve(name.substring(0, name.length() - IN_PROGRESS.length())));
    }
    fsyncDirectory(directory);
  }

  private static long lengthOfCompleteLines(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      ByteBuffer one = ByteBuffer.allocate(1);
      for (long position = size - 1; position >= 0; position--) {
        one.clear();
        channel.read(one, position);
        if (one.get(0) == '\n') {
          return position + 1;
        }
      }
      return 0;
    }
  }

  /** Closes and finalizes the current file. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    if (channel == null) {
      return;
    }
    try {
      if (fileBytes == 0) {
        channel.close();
        Files.deleteIfExists(inProgress);
        channel = null;
      } else {
        roll();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("closing " + inProgress + " failed", e);
    } finally {
      channel = null;
    }
  }
}
