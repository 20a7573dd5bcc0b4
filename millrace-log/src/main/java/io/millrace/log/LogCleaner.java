package io.millrace.log;

import io.millrace.log.format.BatchCompactor;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.segment.LogSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of topics with cleanup.policy=compact: keeps the latest record per key.
 *
 * <p>A pass over one partition, as Kafka's cleaner does it:
 *
 * <ol>
 *   <li>Map each key of the dirty part (sealed segments from the first dirty offset on) to its
 *       latest offset, stopping at a segment boundary when the map reaches its key limit.
 *   <li>Rewrite the sealed segments up to the end of what was mapped, keeping a record only if no
 *       later record has its key; consecutive small segments merge into one while they fit in
 *       segment.bytes. Tombstones follow the delete-horizon rule of {@link BatchCompactor}.
 *   <li>Swap the rewritten segments in (see {@link PartitionLog#replaceSegments}).
 * </ol>
 *
 * The active segment is never touched, so appends go on during a pass; readers keep reading the old
 * files until they are deleted after file.delete.delay.ms. Offsets never change.
 *
 * <p>Not thread-safe: run by the log's single cleaner thread (or a test).
 */
final class LogCleaner {

  private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);

  private final int maxKeys;
  private final BatchCompactor compactor = new BatchCompactor();

  LogCleaner(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  /** What one pass did. */
  record Pass(int segmentsBefore, int segmentsAfter, long bytesBefore, long bytesAfter) {
    static final Pass NOTHING = new Pass(0, 0, 0, 0);
  }

  /**
   * Compacts the partition if its dirty share reaches min.cleanable.dirty.ratio (or always, when
   * {@code force}).
   */
  Pass clean(PartitionLog partition, boolean force) throws IOException {
    TopicConfig config = partition.config();
    if (config.cleanupPolicy() != CleanupPolicy.COMPACT) {
      return Pass.NOTHING;
    }
    List<LogSegment> sealed = partition.sealedSegments();
    if (sealed.isEmpty()) {
      return Pass.NOTHING;
    }
    long firstDirty = partition.firstDirtyOffset();
    long cleanBytes = 0;
    long dirtyBytes = 0;
    for (LogSegment segment : sealed) {
      if (segment.nextOffset() <= firstDirty) {
        cleanBytes += segment.sizeBytes();
      } else {
        dirtyBytes += segment.sizeBytes();
      }
    }
    if (dirtyBytes == 0) {
      return Pass.NOTHING;
    }
    double ratio = (double) dirtyBytes / (cleanBytes + dirtyBytes);
    if (!force && ratio < config.minCleanableDirtyRatio()) {
      return Pass.NOTHING;
    }
    Map<ByteBuffer, Long> latest = new HashMap<>();
    long mappedEnd = mapKeys(sealed, firstDirty, latest);
    List<LogSegment> toClean = new ArrayList<>();
    for (LogSegment segment : sealed) {
      if (segment.nextOffset() <= mappedEnd) {
        toClean.add(segment);
      }
    }
    return rewrite(partition, config, toClean, latest, mappedEnd);
  }

  /** Fills {@code latest} from the dirty segments; returns the end offset of what was mapped. */
  private long mapKeys(List<LogSegment> sealed, long firstDirty, Map<ByteBuffer, Long> latest)
      throws IOException {
    long mappedEnd = firstDirty;
    for (LogSegment segment : sealed) {
      if (segment.nextOffset() <= firstDirty) {
        continue;
      }
      Map<ByteBuffer, Long> segmentKeys = new HashMap<>();
      forEachBatch(
          segment,
          batch ->
              compactor.forEachKey(
                  batch,
                  (key, offset) -> {
                    if (offset >= firstDirty) {
                      segmentKeys.put(copy(key), offset);
                    }
                  }));
      if (!latest.isEmpty() && latest.size() + segmentKeys.size() > maxKeys) {
        break; // the map is full: clean up to here now, the rest next pass
      }
      latest.putAll(segmentKeys);
      mappedEnd = segment.nextOffset();
    }
    return mappedEnd;
  }

  private Pass rewrite(
      PartitionLog partition,
      TopicConfig config,
      List<LogSegment> toClean,
      Map<ByteBuffer, Long> latest,
      long mappedEnd)
      throws IOException {
    long now = partition.services().clock().millis();
    List<List<LogSegment>> groups = group(toClean, config.segmentBytes());
    List<LogSegment> cleaned = new ArrayList<>();
    long bytesBefore = 0;
    long bytesAfter = 0;
    try {
      for (List<LogSegment> group : groups) {
        LogSegment target =
            LogSegment.create(
                partition.services().fileIo(),
                partition.partitionDirectory(),
                group.get(0).baseOffset(),
                LogSegment.CLEANED_SUFFIX,
                config.indexIntervalBytes(),
                now);
        cleaned.add(target);
        for (LogSegment source : group) {
          bytesBefore += source.sizeBytes();
          forEachBatch(
              source,
              batch -> {
                ByteBuffer kept =
                    compactor.compact(
                        batch,
                        key -> latest.getOrDefault(key, -1L),
                        now,
                        config.deleteRetentionMs());
                if (kept != null) {
                  target.append(kept);
                }
              });
        }
        bytesAfter += target.sizeBytes();
      }
      if (!partition.replaceSegments(groups, cleaned, mappedEnd)) {
        deleteAll(cleaned);
        return Pass.NOTHING;
      }
    } catch (IOException | RuntimeException e) {
      deleteAll(cleaned);
      throw e;
    }
    LOG.info(
        "{}: compacted {} segments into {} ({} -> {} bytes)",
        partition.topicPartition(),
        toClean.size(),
        cleaned.size(),
        bytesBefore,
        bytesAfter);
    return new Pass(toClean.size(), cleaned.size(), bytesBefore, bytesAfter);
  }

  /** Consecutive segments whose combined size fits in one segment, and whose offsets fit an int. */
  private static List<List<LogSegment>> group(List<LogSegment> segments, int segmentBytes) {
    List<List<LogSegment>> groups = new ArrayList<>();
    List<LogSegment> current = new ArrayList<>();
    long currentBytes = 0;
    for (LogSegment segment : segments) {
      boolean fits =
          current.isEmpty()
              || (currentBytes + segment.sizeBytes() <= segmentBytes
                  && segment.nextOffset() - current.get(0).baseOffset() <= Integer.MAX_VALUE);
      if (!fits) {
        groups.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(segment);
      currentBytes += segment.sizeBytes();
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  private interface BatchAction {
    void accept(ByteBuffer batch) throws IOException;
  }

  /** Reads a sealed segment batch by batch (one batch in memory at a time). */
  private static void forEachBatch(LogSegment segment, BatchAction action) throws IOException {
    int position = 0;
    int size = segment.sizeBytes();
    while (position < size) {
      ByteBuffer header = segment.read(position, BatchLayout.LOG_OVERHEAD);
      int batchSize = BatchLayout.sizeInBytes(header, 0);
      action.accept(segment.read(position, batchSize));
      position += batchSize;
    }
  }

  private static ByteBuffer copy(ByteBuffer key) {
    ByteBuffer copy = ByteBuffer.allocate(key.remaining());
    copy.put(key.duplicate()).flip();
    return copy;
  }

  private static void deleteAll(List<LogSegment> segments) {
    for (LogSegment segment : segments) {
      try {
        segment.closeAndDelete();
      } catch (IOException e) {
        LOG.warn("could not remove {}: {}", segment, e.toString());
      }
    }
  }
}
