package io.millrace.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MetricsApiTest {

  private static final String TYPE = "text/plain; version=0.0.4; charset=utf-8";

  @Test
  void shouldServeTheScrapeAsIsWithItsContentTypeOnEveryRequest() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    Router.Builder routes = Router.builder();
    new MetricsApi(
            () ->
                ("millrace_source_records_total{source=\"feed\"} " + scrapes.incrementAndGet())
                    .getBytes(StandardCharsets.UTF_8),
            TYPE)
        .register(routes);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (HttpApiServer server =
        HttpApiServer.start(new HttpServerConfig("127.0.0.1", 0, 4096, 4), routes.build())) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
              .timeout(Duration.ofSeconds(10))
              .build();

      HttpResponse<String> first = client.send(request, HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> second = client.send(request, HttpResponse.BodyHandlers.ofString());

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type")).hasValue(TYPE);
      assertThat(first.body()).isEqualTo("millrace_source_records_total{source=\"feed\"} 1");
      assertThat(second.body()).endsWith(" 2");
    }
  }
}
