package io.millrace.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The route table: method and path pattern to handler. Built once before the server starts, then
 * immutable and thread-safe. Later APIs (records, pipelines, views, metrics) add their routes here
 * through {@link Builder}; each API is a class that registers its own routes.
 */
public final class Router {

  /** One route. */
  private record Route(
      String method, PathPattern pattern, RouteHandler handler, boolean streamsBody) {}

  /** The outcome of matching a request. */
  public sealed interface Match {
    /**
     * A route matched; {@code pathParameters} are its parameters' values; {@code streamsBody}: the
     * handler reads the body as a stream ({@link ApiRequest#bodyStream}).
     */
    record Found(RouteHandler handler, Map<String, String> pathParameters, boolean streamsBody)
        implements Match {}

    /** The path exists with other methods: answer 405 with {@code Allow}. */
    record MethodNotAllowed(List<String> allowed) implements Match {}

    /** No route has this path: answer 404. */
    record NotFound() implements Match {}
  }

  private final List<Route> routes;

  private Router(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Finds the route for a method and a raw (URL-encoded) path. */
  public Match match(String method, String rawPath) {
    TreeSet<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Optional<Map<String, String>> parameters = route.pattern().match(rawPath);
      if (parameters.isEmpty()) {
        continue;
      }
      if (route.method().equals(method)) {
        return new Match.Found(route.handler(), parameters.get(), route.streamsBody());
      }
      allowed.add(route.method());
    }
    return allowed.isEmpty()
        ? new Match.NotFound()
        : new Match.MethodNotAllowed(List.copyOf(allowed));
  }

  /** Collects routes; not thread-safe. */
  public static final class Builder {
    private final List<Route> routes = new ArrayList<>();

    private Builder() {}

    public Builder get(String pattern, RouteHandler handler) {
      return add("GET", pattern, handler);
    }

    public Builder post(String pattern, RouteHandler handler) {
      return add("POST", pattern, handler);
    }

    /**
     * A POST route whose handler reads the body itself, as a stream, up to the records body limit
     * ({@link HttpServerConfig#maxRecordsRequestBytes()}) instead of the ordinary one.
     */
    public Builder postStreaming(String pattern, RouteHandler handler) {
      routes.add(new Route("POST", new PathPattern(pattern), handler, true));
      return this;
    }

    public Builder delete(String pattern, RouteHandler handler) {
      return add("DELETE", pattern, handler);
    }

    public Builder add(String method, String pattern, RouteHandler handler) {
      routes.add(new Route(method, new PathPattern(pattern), handler, false));
      return this;
    }

    public Router build() {
      return new Router(routes);
    }
  }
}
