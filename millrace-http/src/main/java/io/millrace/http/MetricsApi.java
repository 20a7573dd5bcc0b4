package io.millrace.http;

import java.util.function.Supplier;

/**
 * {@code GET /metrics}: every meter of the server in Prometheus text format. The text comes from
 * the caller (the server's Micrometer registry), so this module needs no metrics library.
 * Thread-safe if the supplier is.
 */
public final class MetricsApi {

  private final Supplier<byte[]> scrape;
  private final String contentType;

  /**
   * @param scrape writes the current meters (called once per request)
   * @param contentType the exposition format's media type
   */
  public MetricsApi(Supplier<byte[]> scrape, String contentType) {
    this.scrape = scrape;
    this.contentType = contentType;
  }

  public void register(Router.Builder routes) {
    routes.get("/metrics", request -> ApiResponse.text(200, contentType, scrape.get()));
  }
}
