package io.millrace.connect.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JSON feed over HTTP on 127.0.0.1 (an ephemeral port) for source tests. Items are {@code {"id":
 * "item-N", "n": N}} numbered from 1; {@link #addItems} appends more while a source polls.
 *
 * <ul>
 *   <li>{@code GET /items?after=N} (cursor mode): up to {@code pageSize} items after N, and {@code
 *       "next": "LAST"}, the number of the last item returned (N itself when there are none)
 *   <li>{@code GET /feed?page=K} (next-link mode): page K of all items, {@code "next":
 *       "/feed?page=K+1"} while more follow; answers 304 to If-None-Match with the current ETag
 *       (which changes whenever items are added)
 * </ul>
 *
 * <p>{@link #failNext} scripts the answers of the next requests: a status (500, 429 with
 * Retry-After: 0) or a hang longer than the client's timeout. Thread-safe.
 */
public final class FeedServer implements AutoCloseable {

  /** A scripted failure for one request. */
  public enum Failure {
    HTTP_500,
    HTTP_429,
    HANG
  }

  private final HttpServer server;
  private final int pageSize;
  private final List<Integer> items = new ArrayList<>();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger notModified = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  public FeedServer(int pageSize, int initialItems) throws IOException {
    this.pageSize = pageSize;
    addItems(initialItems);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/items", this::items);
    server.createContext("/feed", this::feed);
    server.start();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  public synchronized void addItems(int count) {
    int first = items.size() + 1;
    for (int i = 0; i < count; i++) {
      items.add(first + i);
    }
  }

  public synchronized int itemCount() {
    return items.size();
  }

  public void failNext(Failure... scripted) {
    failures.addAll(List.of(scripted));
  }

  /** Requests answered so far (failures included). */
  public int requests() {
    return requests.get();
  }

  public int notModifiedAnswers() {
    return notModified.get();
  }

  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  private boolean failed(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      authorizations.add(auth);
    }
    Failure failure = failures.poll();
    if (failure == null) {
      return false;
    }
    switch (failure) {
      case HTTP_500 -> send(exchange, 500, "{\"error\":\"boom\"}", Map.of());
      case HTTP_429 -> send(exchange, 429, "{}", Map.of("Retry-After", "0"));
      case HANG -> {
        try {
          closing.await(5, TimeUnit.SECONDS); // the client times out first
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
      }
    }
    return true;
  }

  private void items(HttpExchange exchange) throws IOException {
    if (failed(exchange)) {
      return;
    }
    int after = Integer.parseInt(query(exchange.getRequestURI(), "after", "0"));
    StringBuilder body = new StringBuilder("{\"items\":[");
    int last = after;
    synchronized (this) {
      for (int n = after + 1; n <= items.size() && n <= after + pageSize; n++) {
        body.append(last == after ? "" : ",").append(item(n));
        last = n;
      }
    }
    body.append("],\"next\":\"").append(last).append("\"}");
    send(exchange, 200, body.toString(), Map.of());
  }

  private void feed(HttpExchange exchange) throws IOException {
    if (failed(exchange)) {
      return;
    }
    int page = Integer.parseInt(query(exchange.getRequestURI(), "page", "1"));
    String etag;
    StringBuilder body = new StringBuilder("{\"data\":{\"items\":[");
    boolean more;
    synchronized (this) {
      etag = "\"v" + items.size() + "\"";
      if (page == 1 && etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
        notModified.incrementAndGet();
        exchange.sendResponseHeaders(304, -1);
        exchange.close();
        return;
      }
      int first = (page - 1) * pageSize + 1;
      for (int n = first; n <= items.size() && n < first + pageSize; n++) {
        body.append(n == first ? "" : ",").append(item(n));
      }
      more = first + pageSize <= items.size();
    }
    body.append("]},\"links\":{\"next\":")
        .append(more ? "\"/feed?page=" + (page + 1) + "\"" : "null")
        .append("}}");
    send(exchange, 200, body.toString(), Map.of("ETag", etag));
  }

  private static String item(int n) {
    return "{\"id\":\"item-" + n + "\",\"n\":" + n + "}";
  }

  private static String query(URI uri, String name, String otherwise) {
    String query = uri.getRawQuery();
    if (query == null) {
      return otherwise;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    return otherwise;
  }

  private static void send(HttpExchange exchange, int status, String body, Map<String, String> h)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    h.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
  }
}
