package io.millrace.connect.cdc;

/**
 * A CDC source could not make a batch of change events (or its position) durable: bad data (a
 * keyless change into a compacted topic), a topic that cannot be created, a failed fsync, or the
 * source closing. The batch is not acknowledged to Debezium, so its position does not move.
 */
public final class CdcWriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CdcWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
