package io.millrace.engine.sink;

/**
 * The destination failed for now (unreachable, overloaded, timed out); the same batch may succeed
 * later. Carries an optional hint of when to try again, such as an HTTP {@code Retry-After}.
 */
public class RetriableSinkException extends Exception {

  private static final long serialVersionUID = 1L;

  private final long retryAfterMs;

  public RetriableSinkException(String message, Throwable cause) {
    this(message, cause, -1);
  }

  /**
   * @param retryAfterMs the destination's own hint of how long to wait, or -1 for none
   */
  public RetriableSinkException(String message, Throwable cause, long retryAfterMs) {
    super(message, cause);
    this.retryAfterMs = retryAfterMs;
  }

  /** The destination's hint of how long to wait before retrying, or -1 when it gave none. */
  public long retryAfterMs() {
    return retryAfterMs;
  }
}
