package io.millrace.log.write;

/**
 * The outcome of {@link TopicWriter#tryWrite}. Every status but {@link #OK}, {@link #STORAGE_ERROR}
 * and {@link #CLOSED} means nothing of the call was stored; those two may leave the batches of
 * partitions appended before the failure stored (see {@link WriteResult#offsets()}).
 */
public enum WriteStatus {
  /** Every record was appended; {@link WriteResult#durable()} says when it is durable. */
  OK,
  /** The bytes appended but not yet durable are at their limit; try again later (HTTP 429/503). */
  BACK_PRESSURED,
  /** The topic does not exist (the caller's mistake). */
  UNKNOWN_TOPIC,
  /** A record named a partition the topic does not have (the caller's mistake). */
  INVALID_PARTITION,
  /** A record broke a rule: no key on a compacted topic, a null header key (bad data). */
  INVALID_RECORD,
  /** One partition's batch would exceed the topic's max.message.bytes (bad data). */
  RECORD_TOO_LARGE,
  /** Too many records or bytes in one call for the writer's limits (the caller's mistake). */
  REQUEST_TOO_LARGE,
  /** The disk failed or is full; retry later (the environment). */
  STORAGE_ERROR,
  /** The partition or the log was closed while writing (the environment). */
  CLOSED;

  /** True when the same call may succeed later unchanged. */
  public boolean isRetriable() {
    return this == BACK_PRESSURED || this == STORAGE_ERROR || this == CLOSED;
  }
}
