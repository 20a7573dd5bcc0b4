package io.millrace.http;

import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as route handlers see it: the body already read (within the size limit) and the
 * path parameters matched. Immutable.
 *
 * @param method the HTTP method, upper case
 * @param path the request path, without the query
 * @param pathParameters values of the route's {@code {name}} segments, URL-decoded
 * @param contentType the Content-Type header without parameters, lower case; empty if absent
 * @param body the request body; empty for none
 */
public record ApiRequest(
    String method,
    String path,
    Map<String, String> pathParameters,
    Optional<String> contentType,
    byte[] body) {

  public ApiRequest {
    pathParameters = Map.copyOf(pathParameters);
  }

  /** The value of the route's {@code {name}} segment. */
  public String pathParameter(String name) {
    String value = pathParameters.get(name);
    if (value == null) {
      throw new IllegalArgumentException("the route has no path parameter " + name);
    }
    return value;
  }
}
