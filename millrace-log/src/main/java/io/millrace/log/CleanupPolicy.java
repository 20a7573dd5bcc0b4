package io.millrace.log;

/** What happens to old data: deleted by retention, or compacted to the latest value per key. */
public enum CleanupPolicy {
  DELETE("delete"),
  COMPACT("compact");

  private final String configName;

  CleanupPolicy(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static CleanupPolicy parse(String value) {
    for (CleanupPolicy policy : values()) {
      if (policy.configName.equals(value)) {
        return policy;
      }
    }
    throw new IllegalArgumentException("must be delete or compact");
  }
}
