package io.millrace.log.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Small file helpers: positional read/write loops and crash-safe small-file replacement. */
public final class Io {

  private Io() {}

  /** Reads until {@code target} is full; fails on end of file. */
  public static void readFully(FileChannel channel, ByteBuffer target, long position)
      throws IOException {
    long at = position;
    while (target.hasRemaining()) {
      int read = channel.read(target, at);
      if (read < 0) {
        throw new IOException("unexpected end of file at position " + at);
      }
      at += read;
    }
  }

  /** Writes all of {@code source} at {@code position}. */
  public static void writeFully(FileChannel channel, ByteBuffer source, long position)
      throws IOException {
    long at = position;
    while (source.hasRemaining()) {
      at += channel.write(source, at);
    }
  }

  /**
   * Replaces {@code target} with {@code content} so that after a crash the file holds either the
   * old or the new content: write a temporary file, fsync it, rename over, fsync the directory.
   */
  public static void writeAtomically(Path target, byte[] content) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(channel, ByteBuffer.wrap(content), 0);
      channel.force(true);
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    fsyncDirectory(target.getParent());
  }

  /** Makes creations, renames and deletions in {@code directory} durable. */
  public static void fsyncDirectory(Path directory) throws IOException {
    fsyncDirectory(FileIo.DEFAULT, directory);
  }

  /** As {@link #fsyncDirectory(Path)}, opening the directory through {@code io}. */
  public static void fsyncDirectory(FileIo io, Path directory) throws IOException {
    try (FileChannel channel = io.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Deletes a directory tree; missing files are not an error. */
  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
