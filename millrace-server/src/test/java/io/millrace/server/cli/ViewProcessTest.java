package io.millrace.server.cli;

import static io.millrace.server.cli.ServerProcessTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.segment.Io;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view of a server process, filled through {@code POST /topics/__view.NAME/records}, answers the
 * same after {@code kill -9} and a restart, and after its index files are deleted (a rebuild).
 */
@Tag("system")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ViewProcessTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  private RunningServer start() throws Exception {
    return RunningServer.start(
        Map.of(),
        "--data-dir",
        dir.resolve("data").toString(),
        "--kafka-port",
        "0",
        "--http-port",
        "0");
  }

  @Test
  void shouldAnswerTheSameAfterKillNineAndAfterARebuild() throws Exception {
    Map<String, String> expected = new TreeMap<>();
    RunningServer first = start();
    try {
      int port = first.httpPort();
      HttpResponse<String> created =
          post(
              port,
              "/topics",
              "application/json",
              "{\"name\":\"__view.profiles\",\"configs\":{\"cleanup.policy\":\"compact\"}}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 2_000; i++) {
        String key = "u" + (i * 7 % 500);
        String value = "{\"id\":\"" + key + "\",\"i\":" + i + "}";
        body.append(value).append('\n');
        expected.put(key, value);
      }
      HttpResponse<String> posted =
          post(
              port,
              "/topics/__view.profiles/records?key_pointer=/id",
              "application/x-ndjson",
              body.toString());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(port, "/views/profiles/u7?min_offset=1999").statusCode() == 200);
      assertThat(scan(port)).isEqualTo(expected);
    } finally {
      first.process().destroyForcibly(); // kill -9
      assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      first.reader().join(5_000);
    }

    try (RunningServer second = start()) {
      int port = second.httpPort();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(port, "/views/profiles/u7?min_offset=1999").statusCode() == 200);
      assertThat(scan(port)).isEqualTo(expected);
    }

    Io.deleteRecursively(dir.resolve("data").resolve("views").resolve("profiles").resolve("index"));
    try (RunningServer third = start()) {
      int port = third.httpPort();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(port, "/views/profiles/u7?min_offset=1999").statusCode() == 200);
      assertThat(scan(port)).isEqualTo(expected);
    }
  }

  /** Every row of the view, following the pages. */
  private static Map<String, String> scan(int port) throws Exception {
    Map<String, String> rows = new TreeMap<>();
    String cursor = null;
    do {
      HttpResponse<String> page =
          get(port, "/views/profiles?limit=97" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      JsonNode json = JSON.readTree(page.body());
      for (JsonNode row : json.get("rows")) {
        rows.put(row.get("key").asText(), row.get("value").toString());
      }
      cursor = json.get("next_cursor").isNull() ? null : json.get("next_cursor").asText();
    } while (cursor != null);
    return rows;
  }

  private static HttpResponse<String> post(int port, String path, String type, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
