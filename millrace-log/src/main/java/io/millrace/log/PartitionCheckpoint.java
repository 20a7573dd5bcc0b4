package io.millrace.log;

import io.millrace.log.segment.Io;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The small state file of a partition, {@code partition.checkpoint}, replaced atomically:
 *
 * <pre>
 * version 1
 * recovery-point N      every offset below N was fsynced; recovery scans from its segment on
 * log-start-offset N    offsets below N are deleted (DeleteRecords) even if still on disk
 * first-dirty-offset N  compaction has cleaned everything below N
 * </pre>
 */
record PartitionCheckpoint(long recoveryPoint, long logStartOffset, long firstDirtyOffset) {

  static final String FILE_NAME = "partition.checkpoint";
  static final PartitionCheckpoint EMPTY = new PartitionCheckpoint(0, 0, 0);

  static PartitionCheckpoint read(Path partitionDirectory) throws IOException {
    Path file = partitionDirectory.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return EMPTY;
    }
    long recovery = 0;
    long start = 0;
    long dirty = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = line.trim().split(" ");
      if (parts.length != 2) {
        continue;
      }
      try {
        long value = Long.parseLong(parts[1]);
        switch (parts[0]) {
          case "recovery-point" -> recovery = value;
          case "log-start-offset" -> start = value;
          case "first-dirty-offset" -> dirty = value;
          default -> {}
        }
      } catch (NumberFormatException e) {
        // A damaged checkpoint only costs a longer recovery scan: treat the value as absent.
      }
    }
    return new PartitionCheckpoint(recovery, start, dirty);
  }

  void write(Path partitionDirectory) throws IOException {
    String text =
        "version 1\nrecovery-point "
            + recoveryPoint
            + "\nlog-start-offset "
            + logStartOffset
            + "\nfirst-dirty-offset "
            + firstDirtyOffset
            + "\n";
    Io.writeAtomically(
        partitionDirectory.resolve(FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
  }
}
