package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.millrace.connect.SourceRunner;
import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ServerConfig;
import io.millrace.server.config.ServerConfigReader;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Sources inside the server, in process: one failing source leaves the rest running. */
@Timeout(60)
class MillraceServerSourcesTest {

  @TempDir Path dir;

  private HttpServer feed;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void startFeed() throws Exception {
    feed = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    feed.createContext(
        "/items",
        exchange -> {
          byte[] body =
              "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}]}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    feed.start();
  }

  @AfterEach
  void stopFeed() {
    feed.stop(0);
  }

  @Test
  void whenOneSourceFails_thenTheServerAndTheOtherSourceKeepRunningUntilClosed() throws Exception {
    // Topics are created compacted: records without a key can never be written there.
    String url = "http://127.0.0.1:" + feed.getAddress().getPort() + "/items";
    ServerConfig config =
        new ServerConfigReader(Map.<String, String>of()::get)
            .read(
                "millrace.yaml",
                new StringReader(
                    """
                    topic_defaults:
                      cleanup.policy: compact
                    sources:
                      keyless:
                        type: http
                        topic: compacted_a
                        url: %s
                        items_pointer: /items
                        interval_ms: 50
                      keyed:
                        type: http
                        topic: compacted_b
                        url: %s
                        items_pointer: /items
                        id_pointer: /id
                        key_pointer: /id
                        interval_ms: 50
                    """
                        .formatted(url, url)),
                new CommandLineOverrides(dir.resolve("data"), 0, 0));

    MillraceServer server = MillraceServer.start(config);
    try {
      assertThat(server.sourceCount()).isEqualTo(2);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> server.sourceState("keyless") == SourceRunner.State.FAILED);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> get(server, "/metrics").body(),
              m -> m.contains("millrace_source_records_total{source=\"keyed\"} 2.0"));
      assertThat(server.sourceState("keyed")).isEqualTo(SourceRunner.State.RUNNING);
      assertThat(get(server, "/health").statusCode()).isEqualTo(200);
    } finally {
      server.close();
    }
    server.close();

    assertThat(server.sourceState("keyed")).isEqualTo(SourceRunner.State.STOPPED);
    assertThat(server.log().isOpen()).isFalse();
  }

  private HttpResponse<String> get(MillraceServer server, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
