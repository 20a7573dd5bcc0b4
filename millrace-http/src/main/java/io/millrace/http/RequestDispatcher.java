package io.millrace.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.millrace.log.LogException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boundary between the JDK's HTTP server and the API: limits concurrent requests and body size,
 * reads the body, routes, writes the JSON answer, and turns every failure into a JSON error so that
 * one bad request never takes down the server. Thread-safe: one call per request, each on its own
 * virtual thread.
 */
final class RequestDispatcher implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);

  private final Router router;
  private final int maxRequestBytes;
  private final int maxRecordsRequestBytes;
  private final Semaphore inFlight;
  private final AtomicLong internalErrors = new AtomicLong();

  RequestDispatcher(Router router, HttpServerConfig config) {
    this.router = router;
    this.maxRequestBytes = config.maxRequestBytes();
    this.maxRecordsRequestBytes = config.maxRecordsRequestBytes();
    this.inFlight = new Semaphore(config.maxConcurrentRequests());
  }

  /** Requests answered with 500 since start (a metric until metrics exist). */
  long internalErrors() {
    return internalErrors.get();
  }

  @Override
  public void handle(HttpExchange exchange) {
    try (exchange) {
      if (!inFlight.tryAcquire()) {
        send(exchange, ApiResponse.error(503, "overloaded", "too many requests in flight; retry"));
        return;
      }
      try {
        send(exchange, answer(exchange));
      } finally {
        inFlight.release();
      }
    } catch (IOException e) {
      // The client went away while we answered: nothing to answer.
      LOG.debug(
          "HTTP {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
    }
  }

  private ApiResponse answer(HttpExchange exchange) {
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    String rawPath = exchange.getRequestURI().getRawPath();
    try {
      return switch (router.match(method, rawPath)) {
        case Router.Match.NotFound notFound ->
            ApiResponse.error(404, "not_found", "no such resource: " + rawPath);
        case Router.Match.MethodNotAllowed notAllowed -> {
          exchange.getResponseHeaders().add("Allow", String.join(", ", notAllowed.allowed()));
          yield ApiResponse.error(
              405,
              "method_not_allowed",
              method + " is not allowed on " + rawPath + "; allowed: " + notAllowed.allowed());
        }
        case Router.Match.Found found -> {
          ApiRequest request =
              new ApiRequest(
                  method,
                  rawPath,
                  found.pathParameters(),
                  contentType(exchange),
                  found.streamsBody() ? new byte[0] : readBody(exchange),
                  QueryParameters.parse(exchange.getRequestURI().getRawQuery()),
                  headers(exchange),
                  found.streamsBody() ? limitedBody(exchange) : InputStream.nullInputStream());
          if (!found.streamsBody()) {
            yield found.handler().handle(request);
          }
          try {
            yield found.handler().handle(request);
          } finally {
            drain(exchange, request.bodyStream());
          }
        }
      };
    } catch (ApiException e) {
      if (e.status() == 413) {
        // The rest of the body stays unread, so this connection cannot carry another request.
        exchange.getResponseHeaders().set("Connection", "close");
      }
      return new ApiResponse(e.status(), e.body(), e.headers());
    } catch (LogException e) {
      internalErrors.incrementAndGet();
      LOG.warn("HTTP {} {} failed: {}", method, rawPath, e.toString());
      return ApiResponse.error(500, "storage_error", e.getMessage());
    } catch (IOException e) {
      return ApiResponse.error(
          400, "invalid_request", "reading the request failed: " + e.getMessage());
    } catch (RuntimeException e) {
      internalErrors.incrementAndGet();
      LOG.error("HTTP {} {} failed", method, rawPath, e);
      return ApiResponse.error(500, "internal_error", "internal error; the server log has details");
    }
  }

  /** The body, refused with 413 once it is longer than the limit, without reading the rest. */
  private byte[] readBody(HttpExchange exchange) throws IOException {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid_request", "bad Content-Length " + declared);
      }
      if (length > maxRequestBytes) {
        throw tooLarge(exchange);
      }
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(maxRequestBytes + 1);
      if (body.length > maxRequestBytes) {
        throw tooLarge(exchange);
      }
      return body;
    }
  }

  private ApiException tooLarge(HttpExchange exchange) {
    return tooLarge(maxRequestBytes);
  }

  private static ApiException tooLarge(long limitBytes) {
    return new ApiException(
        413,
        "request_too_large",
        "the request body is larger than the limit of " + limitBytes + " bytes");
  }

  /** A streaming route's body: refused at once by Content-Length, else when reading passes it. */
  private InputStream limitedBody(HttpExchange exchange) {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxRecordsRequestBytes) {
          throw tooLarge(maxRecordsRequestBytes);
        }
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid_request", "bad Content-Length " + declared);
      }
    }
    return new LimitedInputStream(
        exchange.getRequestBody(), maxRecordsRequestBytes, () -> tooLarge(maxRecordsRequestBytes));
  }

  /**
   * Reads and discards what a streaming handler left of its body (it answered early, say a 400 at
   * line 1), so the client, still sending, reads the answer instead of a connection reset. Bounded
   * by the body limit; past it the connection is closed instead.
   */
  private static void drain(HttpExchange exchange, InputStream body) {
    byte[] discard = new byte[8192];
    try {
      while (body.read(discard) >= 0) {
        // discard
      }
    } catch (ApiException tooLarge) {
      exchange.getResponseHeaders().set("Connection", "close");
    } catch (IOException e) {
      // The client went away: nothing to drain.
    }
  }

  private static Map<String, List<String>> headers(HttpExchange exchange) {
    Map<String, List<String>> headers = new HashMap<>();
    exchange
        .getRequestHeaders()
        .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    return headers;
  }

  private static Optional<String> contentType(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Content-Type");
    if (header == null) {
      return Optional.empty();
    }
    int parameters = header.indexOf(';');
    String type = parameters < 0 ? header : header.substring(0, parameters);
    return Optional.of(type.strip().toLowerCase(Locale.ROOT));
  }

  private static void send(HttpExchange exchange, ApiResponse response) throws IOException {
    response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    if (response.body() == null) {
      exchange.sendResponseHeaders(response.status(), -1);
      return;
    }
    if (response.body() instanceof ApiResponse.TextBody text) {
      exchange.getResponseHeaders().set("Content-Type", text.contentType());
      exchange.sendResponseHeaders(response.status(), text.bytes().length);
      exchange.getResponseBody().write(text.bytes());
      return;
    }
    byte[] body = Json.write(response.body());
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(response.status(), body.length);
    exchange.getResponseBody().write(body);
  }
}
