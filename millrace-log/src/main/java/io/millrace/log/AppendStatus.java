package io.millrace.log;

import io.millrace.log.format.BatchError;

/** The outcome of an append. Everything but {@link #OK} means nothing of the request was stored. */
public enum AppendStatus {
  OK,
  /** A batch was torn or its CRC did not match (Kafka CORRUPT_MESSAGE). */
  CORRUPT_BATCH,
  /** A batch used a record format other than v2 (Kafka UNSUPPORTED_VERSION). */
  UNSUPPORTED_VERSION,
  /** A batch exceeded max.message.bytes (Kafka MESSAGE_TOO_LARGE). */
  RECORD_TOO_LARGE,
  /** Records inside a batch were malformed or broke a topic rule (Kafka INVALID_RECORD). */
  INVALID_RECORD,
  /** An idempotent producer skipped sequence numbers (Kafka OUT_OF_ORDER_SEQUENCE_NUMBER). */
  OUT_OF_ORDER_SEQUENCE,
  /**
   * An idempotent producer's epoch is older than its current one (Kafka INVALID_PRODUCER_EPOCH).
   */
  INVALID_PRODUCER_EPOCH,
  /** The disk failed or is full; retry later (Kafka KAFKA_STORAGE_ERROR). */
  STORAGE_ERROR,
  /** The partition was closed or its topic deleted (Kafka NOT_LEADER_OR_FOLLOWER). */
  CLOSED;

  static AppendStatus of(BatchError error) {
    return switch (error) {
      case NONE -> OK;
      case CORRUPT -> CORRUPT_BATCH;
      case UNSUPPORTED_VERSION -> UNSUPPORTED_VERSION;
      case TOO_LARGE -> RECORD_TOO_LARGE;
      case INVALID_RECORD -> INVALID_RECORD;
    };
  }
}
