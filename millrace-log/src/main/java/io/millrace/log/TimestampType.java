package io.millrace.log;

/** Which timestamp a topic stores: the producer's, or the time the log appended the batch. */
public enum TimestampType {
  CREATE_TIME("CreateTime"),
  LOG_APPEND_TIME("LogAppendTime");

  private final String configName;

  TimestampType(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static TimestampType parse(String value) {
    for (TimestampType type : values()) {
      if (type.configName.equals(value)) {
        return type;
      }
    }
    throw new IllegalArgumentException("must be CreateTime or LogAppendTime");
  }
}
