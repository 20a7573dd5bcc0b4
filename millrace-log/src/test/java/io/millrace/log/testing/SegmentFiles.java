package io.millrace.log.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.PartitionLog;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.segment.SegmentIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Looks at a partition's files directly, to check what the log left on disk. */
public final class SegmentFiles {

  private SegmentFiles() {}

  /** The directory of a partition in a log's data directory. */
  public static Path partitionDirectory(Path dataDirectory, String topic, int partition) {
    return dataDirectory.resolve("topics").resolve(topic).resolve(Integer.toString(partition));
  }

  /** The live segment files ({@code .log}, not {@code .deleted} or {@code .cleaned}), in order. */
  public static List<Path> logFiles(Path partitionDirectory) throws IOException {
    try (Stream<Path> files = Files.list(partitionDirectory)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(LogSegment.LOG_SUFFIX))
          .sorted()
          .toList();
    }
  }

  /**
   * Asserts that the segment files hold exactly the bytes the partition publishes (no partial batch
   * left behind by a failed write) and that every index entry points inside its segment, at a
   * growing position.
   */
  public static void assertFilesMatch(PartitionLog partition, Path partitionDirectory)
      throws IOException {
    long onDisk = 0;
    for (Path log : logFiles(partitionDirectory)) {
      long size = Files.size(log);
      onDisk += size;
      String name = log.getFileName().toString();
      Path index =
          log.resolveSibling(
              name.substring(0, name.length() - LogSegment.LOG_SUFFIX.length())
                  + LogSegment.INDEX_SUFFIX);
      if (Files.exists(index)) {
        ByteBuffer entries = ByteBuffer.wrap(Files.readAllBytes(index));
        int previous = -1;
        for (int at = 0;
            at + SegmentIndex.ENTRY_SIZE <= entries.limit();
            at += SegmentIndex.ENTRY_SIZE) {
          int position = entries.getInt(at + 4);
          assertThat(position)
              .as("index entry %d of %s (log file of %d bytes)", at / 16, index, size)
              .isGreaterThan(previous)
              .isLessThan((int) size);
          previous = position;
        }
      }
    }
    assertThat(onDisk)
        .as("bytes in the segment files of %s versus bytes the log holds", partition)
        .isEqualTo(partition.sizeBytes());
  }
}
