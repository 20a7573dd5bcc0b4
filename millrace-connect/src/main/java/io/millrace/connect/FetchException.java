package io.millrace.connect;

/**
 * A fetch from an external system failed. {@code retriable} says whether trying again may help
 * (timeouts, 5xx, 429, connection resets) or not (401, 404, a response that is not the JSON
 * expected); {@code reason} is a short tag for the failure metric ("timeout", "http_500", ...);
 * {@code retryAfterMs} is what the server asked to wait (0 if nothing).
 */
public final class FetchException extends Exception {

  private static final long serialVersionUID = 1L;

  private final boolean retriable;
  private final String reason;
  private final long retryAfterMs;

  public FetchException(
      String message, boolean retriable, String reason, long retryAfterMs, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }

  public FetchException(String message, boolean retriable, String reason) {
    this(message, retriable, reason, 0, null);
  }

  public boolean retriable() {
    return retriable;
  }

  public String reason() {
    return reason;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }
}
