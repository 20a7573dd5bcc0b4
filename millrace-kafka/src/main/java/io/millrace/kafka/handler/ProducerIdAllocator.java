package io.millrace.kafka.handler;

import io.millrace.log.segment.Io;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands out producer ids that are never reused, even across restarts: ids come in blocks of {@value
 * #BLOCK_SIZE}, and the end of the current block is persisted before any id of it is given out. A
 * restart skips the rest of the block. Thread-safe.
 */
public final class ProducerIdAllocator {

  static final int BLOCK_SIZE = 1000;

  private final Path file;
  private long next;
  private long blockEnd;

  public ProducerIdAllocator(Path file) throws IOException {
    this.file = file;
    long persisted = 0;
    if (Files.exists(file)) {
      persisted = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
    }
    this.next = persisted;
    this.blockEnd = persisted;
  }

  public synchronized long nextId() throws IOException {
    if (next >= blockEnd) {
      long newEnd = blockEnd + BLOCK_SIZE;
      Io.writeAtomically(file, Long.toString(newEnd).getBytes(StandardCharsets.UTF_8));
      blockEnd = newEnd;
    }
    return next++;
  }
}
