package io.millrace.log.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Damages files the way crashes and bad disks do, for recovery tests: flipped bytes, torn tails,
 * garbage and zero-filled tails.
 */
public final class FileDamage {

  private FileDamage() {}

  /** Inverts every bit of the byte at {@code position}. */
  public static void flipByte(Path file, long position) {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      if (channel.read(one, position) != 1) {
        throw new IllegalArgumentException(file + " has no byte at " + position);
      }
      one.put(0, (byte) ~one.get(0)).rewind();
      channel.write(one, position);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code bytes} over the file from {@code position} (growing it if needed). */
  public static void overwrite(Path file, long position, byte[] bytes) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer, position + buffer.position());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds {@code bytes} at the end of the file. */
  public static void append(Path file, byte[] bytes) {
    overwrite(file, size(file), bytes);
  }

  /** Cuts the file to {@code size} bytes. */
  public static void truncate(Path file, long size) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies a directory tree as a crash would leave it: every file as it is on disk now. Files that
   * vanish while it copies (temporary files, segments being deleted) are left out, as a crash at
   * that moment could leave them out too.
   */
  public static void copyTree(Path from, Path to) {
    try {
      Files.createDirectories(to);
      try (var entries = Files.newDirectoryStream(from)) {
        for (Path source : entries) {
          Path target = to.resolve(source.getFileName().toString());
          if (Files.isDirectory(source)) {
            copyTree(source, target);
          } else if (!source.getFileName().toString().equals(".lock")) {
            try {
              Files.copy(source, target);
            } catch (java.nio.file.NoSuchFileException e) {
              // Renamed or deleted while we looked.
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The files this process holds open under {@code directory}, from /proc/self/fd (Linux only;
   * empty elsewhere). Shows leaked channels.
   */
  public static List<Path> openFilesUnder(Path directory) {
    Path fds = Path.of("/proc/self/fd");
    List<Path> open = new ArrayList<>();
    if (!Files.isDirectory(fds)) {
      return open;
    }
    try (var links = Files.list(fds)) {
      for (Path link : links.toList()) {
        try {
          Path target = Files.readSymbolicLink(link);
          if (target.startsWith(directory.toRealPath())) {
            open.add(target);
          }
        } catch (IOException e) {
          // The descriptor closed while we looked: not open any more.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return open;
  }
}
