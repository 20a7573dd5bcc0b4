package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ServerConfig;
import io.millrace.server.config.ServerConfigReader;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Wiring and shutdown order of the three components, in process. */
@Timeout(60)
class MillraceServerTest {

  @TempDir Path dir;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServerConfig config(int httpPort) {
    return new ServerConfigReader(Map.<String, String>of()::get)
        .read(Optional.empty(), new CommandLineOverrides(dir.resolve("data"), 0, httpPort));
  }

  private HttpResponse<String> health(int port) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldServeRecordPushAndReadOnItsHttpPort() throws Exception {
    try (MillraceServer server = MillraceServer.start(config(0))) {
      server.log().createTopic("events", 1, Map.of("flush.policy", "os"));
      String base = "http://127.0.0.1:" + server.httpPort() + "/topics/events/records";
      HttpResponse<String> posted =
          client.send(
              HttpRequest.newBuilder(URI.create(base))
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/x-ndjson")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}\n{\"a\":2}\n"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> read =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "?offset=1"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(posted.statusCode()).isEqualTo(200);
      assertThat(read.body()).contains("\"value\":{\"a\":2}").contains("\"next_offset\":2");
    }
  }

  @Test
  void shouldAnswerViewQueriesForAChangelogFilledThroughHttp() throws Exception {
    try (MillraceServer server = MillraceServer.start(config(0))) {
      String base = "http://127.0.0.1:" + server.httpPort();
      HttpResponse<String> created =
          send(
              HttpRequest.newBuilder(URI.create(base + "/topics"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"name\":\"__view.profiles\",\"configs\":{\"cleanup.policy\":\"compact\"}}")));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      HttpResponse<String> posted =
          send(
              HttpRequest.newBuilder(
                      URI.create(base + "/topics/__view.profiles/records?key_pointer=/id"))
                  .header("Content-Type", "application/x-ndjson")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"id\":\"u1\",\"name\":\"Ann\"}\n"
                              + "{\"id\":\"u2\",\"name\":\"Bo\"}\n"
                              + "{\"id\":\"u1\",\"name\":\"Ann B.\"}\n")));
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

      // The view is discovered within a second; min_offset=2 then waits for the last write.
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(base + "/views/profiles/u1?min_offset=2").statusCode() == 200);
      HttpResponse<String> u1 = get(base + "/views/profiles/u1?min_offset=2");
      assertThat(u1.body()).contains("\"value\":{\"id\":\"u1\",\"name\":\"Ann B.\"}");
      assertThat(get(base + "/views/profiles?prefix=u").body())
          .contains("\"key\":\"u1\"", "\"key\":\"u2\"", "\"next_cursor\":null");
      assertThat(get(base + "/views").body()).contains("\"name\":\"profiles\"");
      assertThat(server.views().view("profiles")).isPresent();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String uri) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(uri)).GET());
  }

  @Test
  void shouldServeHealthUntilClosedThenRefuseAndCloseTheLog() throws Exception {
    MillraceServer server = MillraceServer.start(config(0));
    int port = server.httpPort();
    assertThat(health(port).statusCode()).isEqualTo(200);

    server.close();
    server.close();

    assertThat(server.log().isOpen()).isFalse();
    assertThatThrownBy(() -> health(port)).isInstanceOf(ConnectException.class);
  }

  @Test
  void whenTheHttpPortIsTaken_thenStartFailsAndReleasesTheDataDirectory() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> MillraceServer.start(config(taken.getLocalPort())))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cannot listen for HTTP on 127.0.0.1:" + taken.getLocalPort());
    }

    // The log and the Kafka listener were closed: the directory opens again.
    try (Log log = Log.open(LogOptions.defaults(dir.resolve("data")))) {
      assertThat(log.isOpen()).isTrue();
    }
  }
}
