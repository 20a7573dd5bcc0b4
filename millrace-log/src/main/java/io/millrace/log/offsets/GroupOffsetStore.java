package io.millrace.log.offsets;

import io.millrace.log.AppendResult;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.StorageException;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed consumer-group offsets, kept in the compacted internal topic {@value #TOPIC} so that
 * the Kafka listener and pipelines share one store that survives restarts. The latest commits are
 * also held in memory, rebuilt from the topic when the log opens.
 *
 * <p>Record layout (big-endian; strings are a length then UTF-8 bytes):
 *
 * <pre>
 * key:   version int16 (1) | group (int16 len) | topic (int16 len) | partition int32
 * value: version int16 (1) | offset int64 | leaderEpoch int32 | commitTimestampMs int64 |
 *        metadata (int32 len, -1 for none)
 * a null value (tombstone) deletes the commit
 * </pre>
 *
 * <p>A group's records all go to one partition of the topic (chosen by the group name), so the
 * order of a group's commits is the log's order. Thread-safe: commits to one topic partition are
 * serialized so the in-memory view changes in log order.
 */
public final class GroupOffsetStore implements AutoCloseable {

  public static final String TOPIC = "__consumer_offsets";
  private static final Logger LOG = LoggerFactory.getLogger(GroupOffsetStore.class);
  private static final short VERSION = 1;

  /** One committed position of a group on a partition. */
  public record CommittedOffset(
      long offset, int leaderEpoch, String metadata, long commitTimestampMs) {}

  private final Log log;
  private final int partitions;
  private final Map<String, Map<TopicPartition, CommittedOffset>> byGroup =
      new ConcurrentHashMap<>();
  private final Object[] partitionLocks;

  private GroupOffsetStore(Log log, int partitions) {
    this.log = log;
    this.partitions = partitions;
    this.partitionLocks = new Object[partitions];
    for (int i = 0; i < partitions; i++) {
      partitionLocks[i] = new Object();
    }
  }

  /** Opens the store, creating its topic on first use and replaying it into memory. */
  public static GroupOffsetStore open(Log log, int partitionsIfNew) throws IOException {
    int partitions =
        log.describeTopic(TOPIC)
            .map(d -> d.partitions())
            .orElseGet(
                () ->
                    log.createTopic(
                            TOPIC,
                            partitionsIfNew,
                            Map.of(
                                TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName(),
                                TopicConfig.SEGMENT_BYTES, Integer.toString(100 * 1024 * 1024)))
                        .partitions());
    GroupOffsetStore store = new GroupOffsetStore(log, partitions);
    store.replay();
    return store;
  }

  private void replay() {
    for (PartitionLog partition : log.partitions(TOPIC)) {
      long offset = partition.logStartOffset();
      while (offset < partition.logEndOffset()) {
        LogSlice slice = partition.read(offset, 1 << 20);
        if (slice.isEmpty()) {
          break;
        }
        try {
          for (LogRecord record : RecordBatches.records(slice.read())) {
            replayOne(partition, record);
          }
        } catch (IOException e) {
          throw new StorageException("reading " + TOPIC + " failed", e);
        }
        offset = slice.nextOffset();
      }
    }
  }

  /**
   * Applies one stored record. The topic is a partition like any other and may hold records this
   * store did not write: one it cannot parse is skipped with a warning, because refusing it would
   * stop the whole log from opening.
   */
  private void replayOne(PartitionLog partition, LogRecord record) {
    try {
      apply(record.key(), record.value());
    } catch (BufferUnderflowException | NegativeArraySizeException | IllegalArgumentException e) {
      LOG.warn(
          "{}: skipped unreadable offset commit at offset {}: {}",
          partition.topicPartition(),
          record.offset(),
          e.toString());
    }
  }

  /**
   * Commits offsets for a group. The in-memory view changes at once; the returned future completes
   * when the commit is durable under the topic's flush policy.
   */
  public CompletableFuture<Void> commit(
      String group, Map<TopicPartition, CommittedOffset> offsets) {
    if (offsets.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<BatchBuilder.NewRecord> records = new ArrayList<>(offsets.size());
    long now = log.options().clock().millis();
    offsets.forEach(
        (tp, committed) ->
            records.add(
                new BatchBuilder.NewRecord(now, encodeKey(group, tp), encodeValue(committed))));
    return appendAndApply(group, records);
  }

  /** Removes a group's commits for these partitions (Kafka OffsetDelete). */
  public CompletableFuture<Void> delete(String group, Collection<TopicPartition> topicPartitions) {
    if (topicPartitions.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    long now = log.options().clock().millis();
    List<BatchBuilder.NewRecord> tombstones = new ArrayList<>();
    for (TopicPartition tp : topicPartitions) {
      tombstones.add(new BatchBuilder.NewRecord(now, encodeKey(group, tp), null));
    }
    return appendAndApply(group, tombstones);
  }

  /** Removes every commit of a group (Kafka DeleteGroups). */
  public CompletableFuture<Void> deleteGroup(String group) {
    return delete(group, fetch(group).keySet());
  }

  private CompletableFuture<Void> appendAndApply(
      String group, List<BatchBuilder.NewRecord> records) {
    int partitionIndex = partitionFor(group);
    PartitionLog partition = log.partition(new TopicPartition(TOPIC, partitionIndex));
    synchronized (partitionLocks[partitionIndex]) {
      AppendResult result = partition.append(BatchBuilder.build(Codec.NONE, records));
      if (!result.isOk()) {
        return CompletableFuture.failedFuture(
            new StorageException(
                "offset commit for group " + group + " failed: " + result.message(), null));
      }
      for (BatchBuilder.NewRecord record : records) {
        apply(record.key(), record.value());
      }
      return result.durable();
    }
  }

  /** The latest commits of a group (empty if none). */
  public Map<TopicPartition, CommittedOffset> fetch(String group) {
    Map<TopicPartition, CommittedOffset> offsets = byGroup.get(group);
    return offsets == null ? Map.of() : Map.copyOf(offsets);
  }

  public Optional<CommittedOffset> fetch(String group, TopicPartition topicPartition) {
    Map<TopicPartition, CommittedOffset> offsets = byGroup.get(group);
    return Optional.ofNullable(offsets == null ? null : offsets.get(topicPartition));
  }

  /** Groups with at least one commit, sorted. */
  public Set<String> groups() {
    return new TreeSet<>(byGroup.keySet());
  }

  /** The internal topic partition that holds a group's commits. */
  public int partitionFor(String group) {
    return Math.floorMod(group.hashCode(), partitions);
  }

  private void apply(byte[] key, byte[] value) {
    ByteBuffer k = ByteBuffer.wrap(key);
    if (k.getShort() != VERSION) {
      return; // a newer format we cannot read: leave it to the version that wrote it
    }
    String group = readString16(k);
    TopicPartition tp = new TopicPartition(readString16(k), k.getInt());
    if (value == null) {
      byGroup.computeIfPresent(
          group,
          (g, offsets) -> {
            offsets.remove(tp);
            return offsets.isEmpty() ? null : offsets;
          });
      return;
    }
    ByteBuffer v = ByteBuffer.wrap(value);
    if (v.getShort() != VERSION) {
      return;
    }
    long offset = v.getLong();
    int leaderEpoch = v.getInt();
    long timestamp = v.getLong();
    int metadataLength = v.getInt();
    String metadata = null;
    if (metadataLength >= 0) {
      byte[] bytes = new byte[metadataLength];
      v.get(bytes);
      metadata = new String(bytes, StandardCharsets.UTF_8);
    }
    byGroup
        .computeIfAbsent(group, g -> new ConcurrentHashMap<>())
        .put(tp, new CommittedOffset(offset, leaderEpoch, metadata, timestamp));
  }

  static byte[] encodeKey(String group, TopicPartition tp) {
    byte[] groupBytes = utf8Limited(group, "group id");
    byte[] topicBytes = utf8Limited(tp.topic(), "topic");
    return ByteBuffer.allocate(2 + 2 + groupBytes.length + 2 + topicBytes.length + 4)
        .putShort(VERSION)
        .putShort((short) groupBytes.length)
        .put(groupBytes)
        .putShort((short) topicBytes.length)
        .put(topicBytes)
        .putInt(tp.partition())
        .array();
  }

  static byte[] encodeValue(CommittedOffset committed) {
    byte[] metadata =
        committed.metadata() == null ? null : committed.metadata().getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer =
        ByteBuffer.allocate(2 + 8 + 4 + 8 + 4 + (metadata == null ? 0 : metadata.length))
            .putShort(VERSION)
            .putLong(committed.offset())
            .putInt(committed.leaderEpoch())
            .putLong(committed.commitTimestampMs())
            .putInt(metadata == null ? -1 : metadata.length);
    if (metadata != null) {
      buffer.put(metadata);
    }
    return buffer.array();
  }

  private static byte[] utf8Limited(String text, String what) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > Short.MAX_VALUE) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.INVALID_CONFIG, what + " longer than 32767 bytes");
    }
    return bytes;
  }

  private static String readString16(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.getShort()];
    buffer.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The store holds no resources of its own: the log closes the topic's partitions. */
  @Override
  public void close() {}
}
