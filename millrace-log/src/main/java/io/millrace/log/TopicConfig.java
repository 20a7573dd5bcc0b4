package io.millrace.log;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A topic's settings, named as Kafka names them so that admin tools and users carry their habits
 * over. Immutable; persisted next to the topic's partitions in {@code topic.properties}.
 *
 * @param retentionMs delete segments whose newest record is older than this; -1 keeps forever
 * @param retentionBytes delete oldest segments while a partition is larger than this; -1 no limit
 * @param segmentBytes roll to a new segment when the active one would exceed this size
 * @param segmentMs roll to a new segment when the active one is older than this
 * @param flushIntervalMs with group-commit, the longest a partition's data waits for its fsync
 * @param maxMessageBytes the largest record batch accepted
 * @param deleteRetentionMs on compacted topics, how long a tombstone survives after cleaning
 * @param minCleanableDirtyRatio compact when uncompacted bytes are at least this share of the log
 * @param indexIntervalBytes bytes of log between two index entries
 */
public record TopicConfig(
    long retentionMs,
    long retentionBytes,
    int segmentBytes,
    long segmentMs,
    CleanupPolicy cleanupPolicy,
    FlushPolicy flushPolicy,
    long flushIntervalMs,
    int maxMessageBytes,
    TimestampType timestampType,
    long deleteRetentionMs,
    double minCleanableDirtyRatio,
    int indexIntervalBytes) {

  public static final String RETENTION_MS = "retention.ms";
  public static final String RETENTION_BYTES = "retention.bytes";
  public static final String SEGMENT_BYTES = "segment.bytes";
  public static final String SEGMENT_MS = "segment.ms";
  public static final String CLEANUP_POLICY = "cleanup.policy";
  public static final String FLUSH_POLICY = "flush.policy";
  public static final String FLUSH_INTERVAL_MS = "flush.interval.ms";
  public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
  public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
  public static final String DELETE_RETENTION_MS = "delete.retention.ms";
  public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
  public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";

  /** Every setting a topic accepts. */
  public static final Set<String> NAMES =
      Set.of(
          RETENTION_MS,
          RETENTION_BYTES,
          SEGMENT_BYTES,
          SEGMENT_MS,
          CLEANUP_POLICY,
          FLUSH_POLICY,
          FLUSH_INTERVAL_MS,
          MAX_MESSAGE_BYTES,
          MESSAGE_TIMESTAMP_TYPE,
          DELETE_RETENTION_MS,
          MIN_CLEANABLE_DIRTY_RATIO,
          INDEX_INTERVAL_BYTES);

  /** Kafka's defaults, except the flush policy (group commit every millisecond). */
  public static final TopicConfig DEFAULTS =
      new TopicConfig(
          7L * 24 * 3600 * 1000,
          -1,
          1024 * 1024 * 1024,
          7L * 24 * 3600 * 1000,
          CleanupPolicy.DELETE,
          FlushPolicy.GROUP_COMMIT,
          1,
          1024 * 1024 + 12,
          TimestampType.CREATE_TIME,
          24L * 3600 * 1000,
          0.5,
          4096);

  public TopicConfig {
    require(retentionMs == -1 || retentionMs >= 0, RETENTION_MS, "must be -1 or >= 0");
    require(retentionBytes == -1 || retentionBytes >= 0, RETENTION_BYTES, "must be -1 or >= 0");
    require(segmentBytes >= 14, SEGMENT_BYTES, "must be >= 14");
    require(segmentMs >= 1, SEGMENT_MS, "must be >= 1");
    require(flushIntervalMs >= 0, FLUSH_INTERVAL_MS, "must be >= 0");
    require(maxMessageBytes >= 0, MAX_MESSAGE_BYTES, "must be >= 0");
    require(deleteRetentionMs >= 0, DELETE_RETENTION_MS, "must be >= 0");
    require(
        minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1,
        MIN_CLEANABLE_DIRTY_RATIO,
        "must be between 0 and 1");
    require(indexIntervalBytes >= 0, INDEX_INTERVAL_BYTES, "must be >= 0");
  }

  private static void require(boolean ok, String name, String rule) {
    if (!ok) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.INVALID_CONFIG, "invalid " + name + ": " + rule);
    }
  }

  /** Refuses a setting name that topics do not have. */
  public static void requireKnown(String name) {
    if (!NAMES.contains(name)) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.INVALID_CONFIG, "unknown topic setting " + name);
    }
  }

  /**
   * This configuration with {@code changes} applied; a null value resets a setting to {@code
   * defaults}. Unknown names and bad values are refused with the setting and the rule named.
   */
  public TopicConfig with(Map<String, String> changes, TopicConfig defaults) {
    Map<String, String> merged = new LinkedHashMap<>(toMap());
    Map<String, String> defaultValues = defaults.toMap();
    for (Map.Entry<String, String> change : changes.entrySet()) {
      String name = change.getKey();
      requireKnown(name);
      merged.put(name, change.getValue() == null ? defaultValues.get(name) : change.getValue());
    }
    return fromMap(merged);
  }

  /** Parses a complete map of settings (as {@link #toMap} writes it). */
  public static TopicConfig fromMap(Map<String, String> values) {
    return new TopicConfig(
        parseLong(values, RETENTION_MS),
        parseLong(values, RETENTION_BYTES),
        (int) parseIntRange(values, SEGMENT_BYTES),
        parseLong(values, SEGMENT_MS),
        parseEnum(values, CLEANUP_POLICY, CleanupPolicy::parse),
        parseEnum(values, FLUSH_POLICY, FlushPolicy::parse),
        parseLong(values, FLUSH_INTERVAL_MS),
        (int) parseIntRange(values, MAX_MESSAGE_BYTES),
        parseEnum(values, MESSAGE_TIMESTAMP_TYPE, TimestampType::parse),
        parseLong(values, DELETE_RETENTION_MS),
        parseDouble(values, MIN_CLEANABLE_DIRTY_RATIO),
        (int) parseIntRange(values, INDEX_INTERVAL_BYTES));
  }

  /** Every setting as text, in a stable order. */
  public Map<String, String> toMap() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put(RETENTION_MS, Long.toString(retentionMs));
    map.put(RETENTION_BYTES, Long.toString(retentionBytes));
    map.put(SEGMENT_BYTES, Integer.toString(segmentBytes));
    map.put(SEGMENT_MS, Long.toString(segmentMs));
    map.put(CLEANUP_POLICY, cleanupPolicy.configName());
    map.put(FLUSH_POLICY, flushPolicy.configName());
    map.put(FLUSH_INTERVAL_MS, Long.toString(flushIntervalMs));
    map.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
    map.put(MESSAGE_TIMESTAMP_TYPE, timestampType.configName());
    map.put(DELETE_RETENTION_MS, Long.toString(deleteRetentionMs));
    map.put(MIN_CLEANABLE_DIRTY_RATIO, Double.toString(minCleanableDirtyRatio));
    map.put(INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes));
    return map;
  }

  private static String value(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null) {
      return DEFAULTS.toMap().get(name);
    }
    return value.trim();
  }

  private static long parseLong(Map<String, String> values, String name) {
    try {
      return Long.parseLong(value(values, name));
    } catch (NumberFormatException e) {
      throw bad(name, "must be an integer");
    }
  }

  private static long parseIntRange(Map<String, String> values, String name) {
    long parsed = parseLong(values, name);
    if (parsed > Integer.MAX_VALUE || parsed < Integer.MIN_VALUE) {
      throw bad(name, "must be at most " + Integer.MAX_VALUE);
    }
    return parsed;
  }

  private static double parseDouble(Map<String, String> values, String name) {
    try {
      return Double.parseDouble(value(values, name));
    } catch (NumberFormatException e) {
      throw bad(name, "must be a number");
    }
  }

  private static <T> T parseEnum(
      Map<String, String> values, String name, java.util.function.Function<String, T> parser) {
    try {
      return parser.apply(value(values, name));
    } catch (IllegalArgumentException e) {
      throw bad(name, e.getMessage());
    }
  }

  private static InvalidRequestException bad(String name, String rule) {
    return new InvalidRequestException(
        InvalidRequestException.Reason.INVALID_CONFIG, "invalid " + name + ": " + rule);
  }
}
