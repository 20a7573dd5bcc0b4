package io.millrace.connect;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Keeps source positions in the log: the compacted internal topic {@value #TOPIC} (one partition),
 * key = the source's name (UTF-8), value = a {@link SourceCheckpoint} as JSON. Nothing is kept in
 * files beside the log, so a position is exactly as durable as the data it describes.
 *
 * <p>Thread-safe; each source reads and writes only its own key, from its runner's thread.
 */
public final class SourcePositionStore {

  public static final String TOPIC = "__source_positions";

  private static final int READ_BYTES = 1 << 20;

  private final Log log;
  private final TopicWriter writer;
  private final ObjectMapper mapper;

  public SourcePositionStore(Log log, TopicWriter writer, ObjectMapper mapper) {
    this.log = log;
    this.writer = writer;
    this.mapper = mapper;
    createTopicIfMissing();
  }

  private void createTopicIfMissing() {
    if (log.describeTopic(TOPIC).isPresent()) {
      return;
    }
    try {
      log.createTopic(
          TOPIC,
          1,
          Map.of(
              TopicConfig.CLEANUP_POLICY,
              CleanupPolicy.COMPACT.configName(),
              // small segments, so that compaction (which skips the active segment) keeps the
              // topic, and the scan at start, short
              TopicConfig.SEGMENT_BYTES,
              Integer.toString(16 << 20)));
    } catch (InvalidRequestException e) {
      if (e.reason() != InvalidRequestException.Reason.TOPIC_EXISTS) {
        throw e;
      }
    }
  }

  /** The latest checkpoint of {@code sourceName}, if it ever wrote one. */
  public Optional<SourceCheckpoint> read(String sourceName) {
    byte[] key = sourceName.getBytes(StandardCharsets.UTF_8);
    PartitionLog partition = log.partitions(TOPIC).get(0);
    byte[][] latest = new byte[1][];
    scan(
        partition,
        partition.logStartOffset(),
        record -> {
          if (Arrays.equals(record.key(), key)) {
            latest[0] = record.value();
          }
        });
    if (latest[0] == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(SourceCheckpoint.fromJson(mapper, latest[0]));
    } catch (IOException e) {
      throw new IllegalStateException("the stored position of source " + sourceName + " is bad", e);
    }
  }

  /** Writes a checkpoint; the result says whether it was stored (it may be back-pressured). */
  public WriteResult tryWrite(String sourceName, SourceCheckpoint checkpoint) {
    return writer.tryWrite(
        TOPIC,
        List.of(
            new WriteRecord(
                0,
                sourceName.getBytes(StandardCharsets.UTF_8),
                checkpoint.toJson(mapper),
                List.of(),
                WriteRecord.NOW)));
  }

  /** The log end offset of every partition of {@code topic}, now. */
  public Map<Integer, Long> endOffsets(String topic) {
    Map<Integer, Long> offsets = new HashMap<>();
    List<PartitionLog> partitions = log.partitions(topic);
    for (int p = 0; p < partitions.size(); p++) {
      offsets.put(p, partitions.get(p).logEndOffset());
    }
    return offsets;
  }

  /**
   * Hands every record of {@code partition} from {@code fromOffset} to its end (as of now) to
   * {@code visitor}, one read slice at a time.
   */
  static void scan(PartitionLog partition, long fromOffset, Consumer<LogRecord> visitor) {
    long next = Math.max(fromOffset, partition.logStartOffset());
    long end = partition.logEndOffset();
    while (next < end) {
      LogSlice slice = partition.read(next, READ_BYTES);
      if (slice.isEmpty()) {
        break;
      }
      try {
        for (LogRecord record : RecordBatches.records(slice.read())) {
          if (record.offset() >= next) {
            visitor.accept(record);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + partition + " failed", e);
      }
      next = slice.nextOffset();
    }
  }
}
