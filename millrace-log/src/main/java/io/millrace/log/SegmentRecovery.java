package io.millrace.log;

import io.millrace.log.segment.Io;
import io.millrace.log.segment.LogSegment;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a partition directory back to a consistent state when it is opened:
 *
 * <ol>
 *   <li>leftovers of interrupted work go: {@code .cleaned} (compaction not yet committed), {@code
 *       .deleted} (deletion already committed), {@code .tmp};
 *   <li>{@code .swap} segments (compaction committed) replace the segments they cover;
 *   <li>segments wholly below the recovery point are trusted (their index is checked, and rebuilt
 *       if it does not fit); from the segment holding the recovery point on, every batch is read
 *       and checked, and the first torn or damaged one is cut off with everything after.
 * </ol>
 *
 * After a clean shutdown nothing is scanned. Each truncation is logged with what was removed.
 */
final class SegmentRecovery {

  private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);

  private final TopicPartition topicPartition;
  private final Path directory;
  private final TopicConfig config;
  private final LogServices services;

  /** The opened segments in offset order, and whether (and from where) they were scanned. */
  record Result(List<LogSegment> segments, boolean scanned, long firstScannedBase) {}

  SegmentRecovery(
      TopicPartition topicPartition, Path directory, TopicConfig config, LogServices services) {
    this.topicPartition = topicPartition;
    this.directory = directory;
    this.config = config;
    this.services = services;
  }

  Result recover(long recoveryPoint, boolean cleanShutdown) throws IOException {
    TreeMap<Long, Path> logFiles = new TreeMap<>();
    List<Long> swapBases = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(LogSegment.CLEANED_SUFFIX)
            || name.endsWith(LogSegment.DELETED_SUFFIX)
            || name.endsWith(".tmp")) {
          Files.deleteIfExists(file);
        } else if (name.endsWith(LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX)) {
          swapBases.add(baseOffsetOf(name));
        } else if (name.endsWith(LogSegment.LOG_SUFFIX)) {
          logFiles.put(baseOffsetOf(name), file);
        }
      }
    }
    List<Long> bases = new ArrayList<>(logFiles.keySet());
    for (long swapBase : swapBases) {
      completeSwap(swapBase, bases);
    }
    bases.sort(null);
    return openAll(bases, recoveryPoint, cleanShutdown);
  }

  private Result openAll(List<Long> bases, long recoveryPoint, boolean cleanShutdown)
      throws IOException {
    List<LogSegment> opened = new ArrayList<>();
    boolean scanned = false;
    long firstScannedBase = -1;
    long expectedBase = -1;
    try {
      for (int i = 0; i < bases.size(); i++) {
        long base = bases.get(i);
        LogSegment segment = openSegment(base, "");
        if (expectedBase >= 0 && base < expectedBase) {
          LOG.warn(
              "{}: segment {} overlaps the previous one; deleting it and everything after",
              topicPartition,
              base);
          segment.closeAndDelete();
          deleteFrom(bases, i + 1);
          break;
        }
        boolean wholeSegmentBelowRecoveryPoint =
            i + 1 < bases.size() && bases.get(i + 1) <= recoveryPoint;
        String truncated = null;
        if (cleanShutdown || wholeSegmentBelowRecoveryPoint) {
          segment.loadTrusted(scanLimitBytes());
        } else {
          if (!scanned) {
            scanned = true;
            firstScannedBase = base;
          }
          truncated = segment.recover(scanLimitBytes());
        }
        opened.add(segment);
        expectedBase = segment.nextOffset();
        if (truncated != null) {
          LOG.warn("{}: recovery {}", topicPartition, truncated);
          deleteFrom(bases, i + 1);
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      for (LogSegment segment : opened) {
        segment.close();
      }
      throw e;
    }
    return new Result(opened, scanned, firstScannedBase);
  }

  /** Deletes the segments from index {@code from} on: they follow a truncated tail. */
  private void deleteFrom(List<Long> bases, int from) throws IOException {
    for (int j = from; j < bases.size(); j++) {
      long base = bases.get(j);
      LOG.warn(
          "{}: recovery deleted segment {} after the truncated tail",
          topicPartition,
          LogSegment.fileName(base));
      Files.deleteIfExists(LogSegment.logPath(directory, base));
      Files.deleteIfExists(LogSegment.indexPath(directory, base));
    }
  }

  /**
   * Finishes a compaction swap interrupted by a crash: the swap segment replaces every segment
   * whose base offset lies in its range, then takes its final name.
   */
  private void completeSwap(long swapBase, List<Long> bases) throws IOException {
    LogSegment swap = openSegment(swapBase, LogSegment.SWAP_SUFFIX);
    try {
      swap.recover(Integer.MAX_VALUE);
      long end = swap.nextOffset();
      for (var it = bases.iterator(); it.hasNext(); ) {
        long base = it.next();
        // The segment at swapBase goes even when the swap is empty (end == swapBase): the swap
        // takes its name below, and keeping it in the list would open that file twice.
        if (base == swapBase || (base > swapBase && base < end)) {
          Files.deleteIfExists(LogSegment.logPath(directory, base));
          Files.deleteIfExists(LogSegment.indexPath(directory, base));
          it.remove();
        }
      }
      swap.renameTo("");
      Io.fsyncDirectory(directory);
      bases.add(swapBase);
      LOG.info("{}: completed an interrupted compaction swap at {}", topicPartition, swapBase);
    } finally {
      swap.close();
    }
  }

  private LogSegment openSegment(long base, String suffix) throws IOException {
    return LogSegment.open(
        services.fileIo(),
        directory,
        base,
        suffix,
        config.indexIntervalBytes(),
        services.clock().millis());
  }

  /**
   * The largest batch the scan believes: a length field beyond it is damage. Generous (twice the
   * topic's limit, at least 16 MiB) because the limit may have been lowered after data was written.
   */
  private int scanLimitBytes() {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(2L * config.maxMessageBytes(), 16L << 20));
  }

  private static long baseOffsetOf(String fileName) {
    return Long.parseLong(fileName.substring(0, fileName.indexOf('.')));
  }
}
