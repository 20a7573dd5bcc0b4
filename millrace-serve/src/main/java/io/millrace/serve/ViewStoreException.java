package io.millrace.serve;

/**
 * The environment failed under a view's local index (disk, RocksDB). Not the caller's mistake: the
 * HTTP API answers 500, the indexer logs it and retries after a pause.
 */
public final class ViewStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ViewStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
