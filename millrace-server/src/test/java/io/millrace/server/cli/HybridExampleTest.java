package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walkthrough of {@code examples/hybrid}: its song-play API script, the server started with the
 * example's own {@code millrace.yaml} (only its environment variables set), user activity pushed
 * over HTTP, song plays pulled by the source, both readable.
 */
@Tag("system")
class HybridExampleTest {

  private static final Path EXAMPLE = Path.of("..", "examples", "hybrid").toAbsolutePath();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  private Process songPlaysApi;

  @AfterEach
  void stopApi() {
    if (songPlaysApi != null) {
      songPlaysApi.destroyForcibly();
    }
  }

  @Test
  @Timeout(120)
  void shouldPushUserActivityAndPullSongPlaysAsInTheGuide() throws Exception {
    int apiPort = startSongPlaysApi();
    Map<String, String> environment =
        Map.of(
            "SONG_PLAYS_URL", "http://127.0.0.1:" + apiPort + "/plays",
            "SONG_PLAYS_INTERVAL_MS", "200",
            "KAFKA_PORT", "0",
            "HTTP_PORT", "0");
    try (RunningServer server =
        RunningServer.start(
            environment,
            "--config",
            EXAMPLE.resolve("millrace.yaml").toString(),
            "--data-dir",
            dir.resolve("data").toString())) {
      assertThat(server.readyLine()).contains("1 source,");
      int http = server.httpPort();

      HttpResponse<String> pushed =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + http
                              + "/topics/user_activities/records?key_pointer=/user_id"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"user_id\":\"musicenthusiast\",\"action\":\"liked\"}")));
      assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
      assertThat(pushed.body()).contains("\"records\":[{\"partition\":0,\"offset\":0}]");

      String activities = read(http, "user_activities");
      assertThat(activities).contains("\"action\":\"liked\"");

      // The API starts with three plays and adds one every 0.3 s: the source keeps up.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> read(http, "song_plays"), body -> body.contains("\"play-5\""));
      String plays = read(http, "song_plays");
      assertThat(plays).contains("\"play-1\"", "\"play-2\"", "\"play-3\"");
      assertThat(Pattern.compile("\"play_id\":\"play-1\"").matcher(plays).results().count())
          .as("no play written twice: " + plays)
          .isEqualTo(1);
    }
  }

  /** Starts the example's API script on a free port; returns the port it printed. */
  private int startSongPlaysApi() throws Exception {
    songPlaysApi =
        new ProcessBuilder(
                "/usr/bin/python3",
                EXAMPLE.resolve("song_plays_api.py").toString(),
                "--port",
                "0",
                "--every",
                "0.3")
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(
            new InputStreamReader(songPlaysApi.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the API's first line").isNotNull();
    Matcher port = Pattern.compile("listening on (\\d+)").matcher(line);
    assertThat(port.find()).as(line).isTrue();
    return Integer.parseInt(port.group(1));
  }

  /** Up to 1000 records of partition 0 from the start, as the HTTP API returns them. */
  private static String read(int httpPort, String topic) throws Exception {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + httpPort
                            + "/topics/"
                            + topic
                            + "/records?partition=0&offset=0&limit=1000"))
                .GET());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
