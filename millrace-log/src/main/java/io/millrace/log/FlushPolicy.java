package io.millrace.log;

/**
 * When an append is acknowledged relative to fsync. See docs/architecture.md for what each
 * guarantees after a process crash and after a power loss.
 */
public enum FlushPolicy {
  /** fsync inside every append, before it is acknowledged. */
  EVERY_BATCH("every-batch"),
  /**
   * Acknowledge when a covering fsync completes; the partition is fsynced at most every
   * flush.interval.ms while it has unflushed data. The default.
   */
  GROUP_COMMIT("group-commit"),
  /** Acknowledge once the data is in the OS page cache; fsync only on segment roll and close. */
  OS("os");

  private final String configName;

  FlushPolicy(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static FlushPolicy parse(String value) {
    for (FlushPolicy policy : values()) {
      if (policy.configName.equals(value)) {
        return policy;
      }
    }
    throw new IllegalArgumentException("must be one of every-batch, group-commit, os");
  }
}
