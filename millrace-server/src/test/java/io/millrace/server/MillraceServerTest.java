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
