package io.millrace.log;

/**
 * Base of the log's exceptions. Three kinds stay apart: {@link InvalidRequestException} (the
 * caller's mistake), {@link StorageException} (the environment: disk, file system; retriable) and
 * bad data, which is not an exception but an {@link AppendStatus} on the data path.
 */
public abstract class LogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected LogException(String message, Throwable cause) {
    super(message, cause);
  }

  /** True when the same call may succeed later without the caller changing anything. */
  public abstract boolean isRetriable();
}
