package io.millrace.log.format;

/** Why a record batch offered for append was refused. Each maps to one Kafka error code. */
public enum BatchError {
  /** The batch is well formed. */
  NONE,
  /** Truncated, a length that does not fit, or a CRC mismatch: the bytes were damaged. */
  CORRUPT,
  /** A magic byte other than 2: only record batch v2 is stored. */
  UNSUPPORTED_VERSION,
  /** The batch is larger than the topic's max.message.bytes. */
  TOO_LARGE,
  /** The records inside a well-framed batch do not parse, or break a rule of the topic. */
  INVALID_RECORD
}
