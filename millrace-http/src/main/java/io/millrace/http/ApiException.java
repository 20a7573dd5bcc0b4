package io.millrace.http;

import java.util.Map;

/**
 * The client's mistake, answered with {@code status} and {@code {"error": code, "message":
 * message}}. Thrown by route handlers; never retriable as sent.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient Object body;
  private final transient Map<String, String> headers;

  /**
   * @param status the HTTP status (4xx)
   * @param code a stable, machine-readable error code in snake_case
   * @param message human text; it goes to the client, so it never carries a stack trace
   */
  public ApiException(int status, String code, String message) {
    this(status, code, message, new ApiResponse.ErrorBody(code, message), Map.of());
  }

  /**
   * An error with a richer body than {@code {error, message}} (it must still carry both) or extra
   * response headers such as {@code Retry-After}.
   */
  public ApiException(
      int status, String code, String message, Object body, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.body = body;
    this.headers = Map.copyOf(headers);
  }

  /** The JSON body to answer with. */
  public Object body() {
    return body;
  }

  /** Extra response headers. */
  public Map<String, String> headers() {
    return headers;
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
