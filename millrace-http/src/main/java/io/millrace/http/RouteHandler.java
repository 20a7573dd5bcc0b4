package io.millrace.http;

/**
 * Answers the requests of one route. Called on a request's own virtual thread, possibly for many
 * requests at once: implementations must be thread-safe. May block (file system, fsync).
 */
@FunctionalInterface
public interface RouteHandler {

  /**
   * @throws ApiException for the client's mistakes (answered with its status and code)
   */
  ApiResponse handle(ApiRequest request);
}
