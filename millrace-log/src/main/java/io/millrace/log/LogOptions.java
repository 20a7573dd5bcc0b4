package io.millrace.log;

import io.millrace.common.Clock;
import io.millrace.log.segment.FileIo;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a whole {@link Log}: where it lives and how its background work is paced. Validated
 * once when built.
 *
 * @param dataDirectory the directory that holds everything; created if missing
 * @param topicDefaults the configuration of topics that do not override a setting
 * @param retentionCheckIntervalMs how often retention runs over all partitions
 * @param cleanerIntervalMs how often the cleaner looks for compactable partitions
 * @param fileDeleteDelayMs how long deleted segments stay open for readers already using them
 * @param cleanerMaxKeys most distinct keys one compaction pass maps (bounds its memory)
 * @param offsetsTopicPartitions partitions of the internal committed-offsets topic
 */
public record LogOptions(
    Path dataDirectory,
    Clock clock,
    FileIo fileIo,
    TopicConfig topicDefaults,
    long retentionCheckIntervalMs,
    long cleanerIntervalMs,
    long fileDeleteDelayMs,
    int cleanerMaxKeys,
    int offsetsTopicPartitions) {

  public LogOptions {
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(fileIo, "fileIo");
    Objects.requireNonNull(topicDefaults, "topicDefaults");
    requirePositive(retentionCheckIntervalMs, "retentionCheckIntervalMs");
    requirePositive(cleanerIntervalMs, "cleanerIntervalMs");
    if (fileDeleteDelayMs < 0) {
      throw new IllegalArgumentException("fileDeleteDelayMs must be >= 0");
    }
    requirePositive(cleanerMaxKeys, "cleanerMaxKeys");
    requirePositive(offsetsTopicPartitions, "offsetsTopicPartitions");
  }

  private static void requirePositive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
  }

  /** Defaults for a data directory: system clock, 30 s retention checks, 15 s cleaner passes. */
  public static LogOptions defaults(Path dataDirectory) {
    return new LogOptions(
        dataDirectory,
        Clock.SYSTEM,
        FileIo.DEFAULT,
        TopicConfig.DEFAULTS,
        30_000,
        15_000,
        60_000,
        1_000_000,
        8);
  }

  public LogOptions withClock(Clock newClock) {
    return new LogOptions(
        dataDirectory,
        newClock,
        fileIo,
        topicDefaults,
        retentionCheckIntervalMs,
        cleanerIntervalMs,
        fileDeleteDelayMs,
        cleanerMaxKeys,
        offsetsTopicPartitions);
  }

  public LogOptions withFileIo(FileIo newFileIo) {
    return new LogOptions(
        dataDirectory,
        clock,
        newFileIo,
        topicDefaults,
        retentionCheckIntervalMs,
        cleanerIntervalMs,
        fileDeleteDelayMs,
        cleanerMaxKeys,
        offsetsTopicPartitions);
  }

  public LogOptions withTopicDefaults(TopicConfig newDefaults) {
    return new LogOptions(
        dataDirectory,
        clock,
        fileIo,
        newDefaults,
        retentionCheckIntervalMs,
        cleanerIntervalMs,
        fileDeleteDelayMs,
        cleanerMaxKeys,
        offsetsTopicPartitions);
  }

  public LogOptions withFileDeleteDelayMs(long delayMs) {
    return new LogOptions(
        dataDirectory,
        clock,
        fileIo,
        topicDefaults,
        retentionCheckIntervalMs,
        cleanerIntervalMs,
        delayMs,
        cleanerMaxKeys,
        offsetsTopicPartitions);
  }

  public LogOptions withCleanerMaxKeys(int maxKeys) {
    return new LogOptions(
        dataDirectory,
        clock,
        fileIo,
        topicDefaults,
        retentionCheckIntervalMs,
        cleanerIntervalMs,
        fileDeleteDelayMs,
        maxKeys,
        offsetsTopicPartitions);
  }
}
