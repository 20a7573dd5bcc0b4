package io.millrace.serve;

import io.millrace.common.Clock;
import java.nio.file.Path;

/**
 * Settings of the views of one Millrace instance. Immutable; checked once, in the constructor.
 *
 * @param directory where the views keep their files: {@code DIRECTORY/NAME/view.properties} (the
 *     TTL) and {@code DIRECTORY/NAME/index/} (the RocksDB index)
 * @param changelogPartitions partitions of a changelog topic {@link ViewService#ensureView} creates
 * @param readMaxBytes the most bytes of one partition an indexer reads per step
 * @param idleWaitMs how long an indexer with nothing to do waits for data before looking again
 * @param discoveryIntervalMs how often changelog topics created or deleted through the log's admin
 *     API (Kafka, HTTP) are noticed
 * @param purgeIntervalMs how often a view with a TTL deletes its expired rows from the index
 * @param clock the time TTLs are measured against
 */
public record ViewOptions(
    Path directory,
    int changelogPartitions,
    int readMaxBytes,
    long idleWaitMs,
    long discoveryIntervalMs,
    long purgeIntervalMs,
    Clock clock) {

  public ViewOptions {
    if (directory == null || clock == null) {
      throw new IllegalArgumentException("views need a directory and a clock");
    }
    requireAtLeast("changelog_partitions", changelogPartitions, 1);
    requireAtLeast("read_max_bytes", readMaxBytes, 1024);
    requireAtLeast("idle_wait_ms", idleWaitMs, 1);
    requireAtLeast("discovery_interval_ms", discoveryIntervalMs, 1);
    requireAtLeast("purge_interval_ms", purgeIntervalMs, 1);
  }

  /** One changelog partition, 1 MiB reads, discovery every second, purge every minute. */
  public static ViewOptions defaults(Path directory, Clock clock) {
    return new ViewOptions(directory, 1, 1 << 20, 500, 1_000, 60_000, clock);
  }

  public ViewOptions withDiscoveryIntervalMs(long intervalMs) {
    return new ViewOptions(
        directory,
        changelogPartitions,
        readMaxBytes,
        idleWaitMs,
        intervalMs,
        purgeIntervalMs,
        clock);
  }

  public ViewOptions withPurgeIntervalMs(long intervalMs) {
    return new ViewOptions(
        directory,
        changelogPartitions,
        readMaxBytes,
        idleWaitMs,
        discoveryIntervalMs,
        intervalMs,
        clock);
  }

  public ViewOptions withChangelogPartitions(int partitions) {
    return new ViewOptions(
        directory,
        partitions,
        readMaxBytes,
        idleWaitMs,
        discoveryIntervalMs,
        purgeIntervalMs,
        clock);
  }

  private static void requireAtLeast(String setting, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(
          "views." + setting + " must be at least " + min + ", was " + value);
    }
  }
}
