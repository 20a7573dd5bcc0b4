package io.millrace.kafka;

import io.millrace.log.AppendStatus;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.LogException;
import org.apache.kafka.common.protocol.Errors;

/** The one place that maps Millrace's outcomes to the Kafka error codes clients understand. */
public final class KafkaErrors {

  private KafkaErrors() {}

  public static Errors of(AppendStatus status) {
    return switch (status) {
      case OK -> Errors.NONE;
      case CORRUPT_BATCH -> Errors.CORRUPT_MESSAGE;
      case UNSUPPORTED_VERSION -> Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
      case RECORD_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
      case INVALID_RECORD -> Errors.INVALID_RECORD;
      case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
      case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
      case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
      case CLOSED -> Errors.NOT_LEADER_OR_FOLLOWER;
    };
  }

  public static Errors of(InvalidRequestException.Reason reason) {
    return switch (reason) {
      case UNKNOWN_TOPIC -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
      case TOPIC_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
      case INVALID_TOPIC_NAME -> Errors.INVALID_TOPIC_EXCEPTION;
      case INVALID_CONFIG -> Errors.INVALID_CONFIG;
      case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
      case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
    };
  }

  /** Maps any failure; unexpected ones become UNKNOWN_SERVER_ERROR. */
  public static Errors of(Throwable failure) {
    if (failure instanceof InvalidRequestException invalid) {
      return of(invalid.reason());
    }
    if (failure instanceof LogException) {
      return Errors.KAFKA_STORAGE_ERROR;
    }
    return Errors.forException(failure);
  }
}
