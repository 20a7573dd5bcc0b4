package io.millrace.log;

/**
 * The file system failed (disk full, I/O error). Data acknowledged before stays readable; the
 * operation may succeed once the cause is gone, so it is retriable.
 */
public class StorageException extends LogException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return true;
  }
}
