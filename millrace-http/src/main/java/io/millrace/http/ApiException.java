package io.millrace.http;

/**
 * The client's mistake, answered with {@code status} and {@code {"error": code, "message":
 * message}}. Thrown by route handlers; never retriable as sent.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  /**
   * @param status the HTTP status (4xx)
   * @param code a stable, machine-readable error code in snake_case
   * @param message human text; it goes to the client, so it never carries a stack trace
   */
  public ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message);
  }

  public static ApiException notFound(String code, String message) {
    return new ApiException(404, code, message);
  }
}
