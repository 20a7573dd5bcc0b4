package io.millrace.http;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as route handlers see it: the path parameters matched, the query parameters and
 * headers, and the body — already read (within the size limit) for ordinary routes, or left as a
 * stream for streaming routes ({@link Router.Builder#postStreaming}). Immutable apart from the
 * stream.
 *
 * @param method the HTTP method, upper case
 * @param path the request path, without the query
 * @param pathParameters values of the route's {@code {name}} segments, URL-decoded
 * @param contentType the Content-Type header without parameters, lower case; empty if absent
 * @param body the request body; empty for none, and empty for a streaming route
 * @param queryParameters the first value of each query parameter, URL-decoded
 * @param headers request headers by lower-case name, values in order
 * @param bodyStream a streaming route's body, limited to its own size limit (reading past it throws
 *     the 413 {@link ApiException}); an empty stream for other routes
 */
public record ApiRequest(
    String method,
    String path,
    Map<String, String> pathParameters,
    Optional<String> contentType,
    byte[] body,
    Map<String, String> queryParameters,
    Map<String, List<String>> headers,
    InputStream bodyStream) {

  public ApiRequest {
    pathParameters = Map.copyOf(pathParameters);
    queryParameters = Map.copyOf(queryParameters);
    headers = Map.copyOf(headers);
  }

  /** A request without query parameters, headers or body stream (for tests and simple routes). */
  public ApiRequest(
      String method,
      String path,
      Map<String, String> pathParameters,
      Optional<String> contentType,
      byte[] body) {
    this(
        method,
        path,
        pathParameters,
        contentType,
        body,
        Map.of(),
        Map.of(),
        InputStream.nullInputStream());
  }

  /** The value of the route's {@code {name}} segment. */
  public String pathParameter(String name) {
    String value = pathParameters.get(name);
    if (value == null) {
      throw new IllegalArgumentException("the route has no path parameter " + name);
    }
    return value;
  }

  /** The query parameter's first value, if given. */
  public Optional<String> queryParameter(String name) {
    return Optional.ofNullable(queryParameters.get(name));
  }

  /** The header's first value (name in any case), if given. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }
}
