package io.millrace.connect.http;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.connect.ConfigProblem;
import io.millrace.connect.FetchException;
import io.millrace.connect.PollingSource;
import io.millrace.connect.SourceItem;
import io.millrace.connect.SourcePage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Polls an HTTP endpoint that returns JSON: one GET per page (with the configured headers and
 * authentication), the items found at a JSON pointer, one item per record (value = the item's JSON,
 * key = an optional field). Pages are followed by next link or cursor ({@link Pagination}).
 *
 * <p>The cursor it hands its runner is {@code {"next": URL or null, "cursor": VALUE or null,
 * "etag": ..., "lastModified": ...}}: the next page's URL while a next-link walk is under way, the
 * last cursor in cursor mode, and the validators of the last first-page response, sent back as
 * If-None-Match / If-Modified-Since so an unchanged resource costs a 304 and no records.
 *
 * <p>Failures become {@link FetchException}s: connection errors, timeouts, 408, 429 and 5xx are
 * retriable (429 and 503 carry Retry-After in seconds); other statuses and unusable bodies are not.
 *
 * <p>THREADING: {@link #fetch} is called by one thread at a time (its runner).
 */
public final class HttpPollingSource implements PollingSource {

  private final HttpPollingSourceConfig config;
  private final HttpClient client;
  private final ObjectMapper mapper;
  private final JsonPointer items;
  private final JsonPointer id;
  private final JsonPointer key;
  private final String authorization;

  /**
   * @throws IllegalArgumentException naming every setting that breaks a rule
   */
  public HttpPollingSource(HttpPollingSourceConfig config, ObjectMapper mapper) {
    ConfigProblem.requireNone(config.name(), config.validate());
    this.config = config;
    this.mapper = mapper;
    this.items = JsonPointer.compile(config.itemsPointer());
    this.id = config.idPointer() == null ? null : JsonPointer.compile(config.idPointer());
    this.key = config.keyPointer() == null ? null : JsonPointer.compile(config.keyPointer());
    this.authorization = config.auth().headerValue();
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(config.requestTimeoutMs()))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public JsonNode initialCursor() {
    ObjectNode cursor = mapper.createObjectNode();
    cursor.putNull("next");
    cursor.putNull("cursor");
    cursor.putNull("etag");
    cursor.putNull("lastModified");
    return cursor;
  }

  @Override
  public SourcePage fetch(JsonNode cursor) throws FetchException {
    String next = text(cursor.get("next"));
    String cursorValue = text(cursor.get("cursor"));
    boolean firstPage = next == null;
    URI uri = firstPage ? startUri(cursorValue) : URI.create(next);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .GET()
            .timeout(Duration.ofMillis(config.requestTimeoutMs()))
            .header("Accept", "application/json");
    config.headers().forEach(request::header);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    boolean conditional = config.conditional() && firstPage;
    if (conditional && text(cursor.get("etag")) != null) {
      request.header("If-None-Match", text(cursor.get("etag")));
    }
    if (conditional && text(cursor.get("lastModified")) != null) {
      request.header("If-Modified-Since", text(cursor.get("lastModified")));
    }
    HttpResponse<InputStream> response = send(request.build());
    try (InputStream body = response.body()) {
      int status = response.statusCode();
      if (status == 304) {
        return new SourcePage(List.of(), cursor, false);
      }
      checkStatus(response);
      JsonNode root = parse(body, uri);
      return page(root, uri, cursor, firstPage, response);
    } catch (IOException e) {
      throw new FetchException("reading the response of " + uri + ": " + e, true, "io", 0, e);
    }
  }

  private URI startUri(String cursorValue) {
    if (config.pagination().mode() != Pagination.Mode.CURSOR || cursorValue == null) {
      return config.url();
    }
    String parameter =
        config.pagination().cursorParameter()
            + "="
            + URLEncoder.encode(cursorValue, StandardCharsets.UTF_8);
    String base = config.url().toString();
    return URI.create(base + (config.url().getRawQuery() == null ? "?" : "&") + parameter);
  }

  private HttpResponse<InputStream> send(HttpRequest request) throws FetchException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new FetchException(
          "no response from " + request.uri() + " within " + config.requestTimeoutMs() + " ms",
          true,
          "timeout",
          0,
          e);
    } catch (IOException e) {
      throw new FetchException("GET " + request.uri() + " failed: " + e, true, "io", 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FetchException("interrupted", false, "interrupted", 0, e);
    }
  }

  private static void checkStatus(HttpResponse<?> response) throws FetchException {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return;
    }
    boolean retriable = status == 408 || status == 429 || status >= 500;
    long retryAfterMs =
        response
            .headers()
            .firstValue("Retry-After")
            .map(HttpPollingSource::retryAfterMs)
            .orElse(0L);
    throw new FetchException(
        "GET " + response.uri() + " answered " + status,
        retriable,
        "http_" + status,
        retryAfterMs,
        null);
  }

  /** Retry-After in delay-seconds; an HTTP date (rare for APIs) is ignored. */
  private static long retryAfterMs(String value) {
    try {
      return Math.min(Long.parseLong(value.trim()), 86_400L) * 1000L;
    } catch (NumberFormatException e) {
      return 0L;
    }
  }

  private JsonNode parse(InputStream body, URI uri) throws IOException, FetchException {
    byte[] bytes = body.readNBytes(config.maxResponseBytes() + 1);
    if (bytes.length > config.maxResponseBytes()) {
      throw new FetchException(
          "the response of " + uri + " exceeds maxResponseBytes=" + config.maxResponseBytes(),
          false,
          "response_too_large");
    }
    try {
      return mapper.readTree(bytes);
    } catch (IOException e) {
      throw new FetchException(
          "the response of " + uri + " is not JSON: " + e.getMessage(), false, "bad_json", 0, e);
    }
  }

  private SourcePage page(
      JsonNode root, URI uri, JsonNode cursor, boolean firstPage, HttpResponse<?> response)
      throws FetchException {
    JsonNode array = root.at(items);
    if (!array.isArray()) {
      throw new FetchException(
          "the response of " + uri + " has no array at " + config.itemsPointer(),
          false,
          "bad_response");
    }
    if (array.size() > config.maxItemsPerPage()) {
      throw new FetchException(
          "the response of "
              + uri
              + " has "
              + array.size()
              + " items, more than maxItemsPerPage="
              + config.maxItemsPerPage(),
          false,
          "page_too_large");
    }
    List<SourceItem> found = new ArrayList<>(array.size());
    for (JsonNode item : array) {
      found.add(toItem(item));
    }
    ObjectNode after = mapper.createObjectNode();
    after.put("next", (String) null);
    after.put("cursor", text(cursor.get("cursor")));
    after.put("etag", text(cursor.get("etag")));
    after.put("lastModified", text(cursor.get("lastModified")));
    if (firstPage && config.conditional()) {
      after.put("etag", response.headers().firstValue("ETag").orElse(null));
      after.put("lastModified", response.headers().firstValue("Last-Modified").orElse(null));
    }
    boolean more = false;
    Pagination pagination = config.pagination();
    if (pagination.mode() == Pagination.Mode.NEXT_LINK) {
      String link = text(root.at(pagination.nextLinkPointer()));
      if (link != null && !link.isEmpty()) {
        after.put("next", uri.resolve(link).toString());
        more = true;
      }
    } else if (pagination.mode() == Pagination.Mode.CURSOR) {
      String nextCursor = text(root.at(pagination.cursorPointer()));
      String current = text(cursor.get("cursor"));
      if (nextCursor != null && !nextCursor.isEmpty()) {
        after.put("cursor", nextCursor);
        more = !found.isEmpty() && !nextCursor.equals(current);
      }
    }
    return new SourcePage(found, after, more);
  }

  private SourceItem toItem(JsonNode item) throws FetchException {
    try {
      String itemId = id == null ? null : text(item.at(id));
      byte[] itemKey = null;
      if (key != null) {
        JsonNode keyNode = item.at(key);
        if (!keyNode.isMissingNode() && !keyNode.isNull()) {
          itemKey =
              keyNode.isValueNode()
                  ? keyNode.asText().getBytes(StandardCharsets.UTF_8)
                  : mapper.writeValueAsBytes(keyNode);
        }
      }
      return new SourceItem(itemId, itemKey, mapper.writeValueAsBytes(item));
    } catch (IOException e) {
      throw new FetchException("cannot encode an item: " + e, false, "bad_item", 0, e);
    }
  }

  private static String text(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    return node.isValueNode() ? node.asText() : node.toString();
  }

  @Override
  public void close() {
    client.shutdownNow();
  }
}
