package io.millrace.log;

/** The caller asked for something that cannot be: an unknown topic, a bad setting, a bad name. */
public class InvalidRequestException extends LogException {
  private static final long serialVersionUID = 1L;

  /** Why, in terms a Kafka error code can carry. */
  public enum Reason {
    UNKNOWN_TOPIC,
    TOPIC_EXISTS,
    INVALID_TOPIC_NAME,
    INVALID_CONFIG,
    INVALID_PARTITIONS,
    OFFSET_OUT_OF_RANGE
  }

  private final Reason reason;

  public InvalidRequestException(Reason reason, String message) {
    super(message, null);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public boolean isRetriable() {
    return false;
  }
}
