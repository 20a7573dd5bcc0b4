package io.millrace.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.http.HttpApiServer;
import io.millrace.http.HttpServerConfig;
import io.millrace.http.Router;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.SeededRandomExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /views} over real HTTP against a server on an ephemeral port and a real log. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(SeededRandomExtension.class)
class ViewsApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final LogExtension logs = new LogExtension();
  private ViewFixture views;
  private HttpApiServer server;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    views = new ViewFixture(logs);
    views.start();
    Router.Builder routes = Router.builder();
    new ViewsApi(views.service).register(routes);
    server = HttpApiServer.start(HttpServerConfig.defaults().withPort(0), routes.build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    views.close();
  }

  private record Reply(int status, JsonNode body) {}

  private Reply get(String pathAndQuery) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), JSON.readTree(response.body()));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Test
  void shouldListViewsWithFormatsAndRowCounts() throws Exception {
    views.service.ensureView("profiles", 3_600_000);
    views.put("profiles", "alice", "{\"age\":30}");
    views.awaitCaughtUp("profiles");
    Reply reply = get("/views");
    assertThat(reply.status()).isEqualTo(200);
    JsonNode view = reply.body().get("views").get(0);
    assertThat(view.get("name").asText()).isEqualTo("profiles");
    assertThat(view.get("changelog_topic").asText()).isEqualTo("__view.profiles");
    assertThat(view.get("key_format").asText()).isEqualTo("string");
    assertThat(view.get("value_format").asText()).isEqualTo("json");
    assertThat(view.get("ttl_ms").asLong()).isEqualTo(3_600_000);
    assertThat(view.get("approximate_rows").asLong()).isEqualTo(1);
    assertThat(view.get("state").asText()).isEqualTo("live");
    assertThat(view.get("applied_offsets").get(0).asLong()).isEqualTo(1);
  }

  @Test
  void shouldAnswerAKeyWithItsDocumentAndWhereItCameFrom() throws Exception {
    views.service.ensureView("profiles", 0);
    views.put("profiles", "a/b é", "{\"name\":\"Zoë\",\"tags\":[1,2]}");
    views.put("profiles", "text", "not json");
    views.awaitCaughtUp("profiles");

    Reply reply = get("/views/profiles/" + encode("a/b é"));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("key").asText()).isEqualTo("a/b é");
    assertThat(reply.body().get("value"))
        .isEqualTo(JSON.readTree("{\"name\":\"Zoë\",\"tags\":[1,2]}"));
    assertThat(reply.body().get("partition").asInt()).isZero();
    assertThat(reply.body().get("offset").asLong()).isZero();
    assertThat(reply.body().get("timestamp").asLong()).isEqualTo(LogExtension.START_MS);

    Reply text = get("/views/profiles/text");
    assertThat(text.body().get("value").asText()).isEqualTo("not json");
    assertThat(text.body().get("value_encoding").asText()).isEqualTo("text");
  }

  @Test
  void shouldAnswerStableErrors() throws Exception {
    views.service.ensureView("profiles", 0);
    assertError(get("/views/nope/k"), 404, "unknown_view");
    assertError(get("/views/nope"), 404, "unknown_view");
    assertError(get("/views/profiles/missing"), 404, "unknown_key");
    assertError(get("/views/profiles?limit=0"), 400, "invalid_parameter");
    assertError(get("/views/profiles?limit=1001"), 400, "invalid_parameter");
    assertError(get("/views/profiles?limit=x"), 400, "invalid_parameter");
    assertError(get("/views/profiles?bogus=1"), 400, "invalid_parameter");
    assertError(get("/views/profiles?cursor=***"), 400, "invalid_cursor");
    assertError(get("/views/profiles?partition=0"), 400, "invalid_parameter");
    assertError(get("/views/profiles/k?min_offset=-1"), 400, "invalid_parameter");
  }

  @Test
  void shouldWaitForMinOffsetAndAnswer504WhenItIsNotApplied() throws Exception {
    views.service.ensureView("profiles", 0);
    long offset = views.put("profiles", "k", "1");
    Reply reply = get("/views/profiles/k?min_offset=" + offset);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("offset").asLong()).isEqualTo(offset);

    Reply scan = get("/views/profiles?min_offset=" + offset);
    assertThat(scan.status()).isEqualTo(200);
    assertThat(scan.body().get("rows")).hasSize(1);

    Reply late = get("/views/profiles/k?min_offset=" + (offset + 10) + "&timeout_ms=100");
    assertError(late, 504, "view_behind");
    assertThat(late.body().get("message").asText()).contains("applied up to " + (offset + 1));
  }

  @Test
  void shouldPageThroughScansExactlyAsASortedMapWould(Random random) throws Exception {
    views.service.ensureView("random", 0);
    TreeMap<byte[], String> reference = new TreeMap<>(Arrays::compareUnsigned);
    String alphabet = "ab/é_";
    List<String[]> writes = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String key = randomKey(random, alphabet);
      String value = random.nextInt(6) == 0 ? null : "{\"i\":" + i + "}";
      writes.add(new String[] {key, value});
      if (value == null) {
        reference.remove(key.getBytes(StandardCharsets.UTF_8));
      } else {
        reference.put(key.getBytes(StandardCharsets.UTF_8), value);
      }
    }
    views.putAll("random", writes);
    views.awaitCaughtUp("random");

    for (int query = 0; query < 40; query++) {
      Map<String, String> parameters = new LinkedHashMap<>();
      if (random.nextBoolean()) {
        parameters.put("prefix", randomKey(random, alphabet).substring(0, 1));
      }
      if (random.nextBoolean()) {
        parameters.put("from", randomKey(random, alphabet));
      }
      if (random.nextBoolean()) {
        parameters.put("to", randomKey(random, alphabet));
      }
      int limit = 1 + random.nextInt(7);
      parameters.put("limit", Integer.toString(limit));
      List<String> expected = expectedKeys(reference, parameters);
      List<String> actual = new ArrayList<>();
      String cursor = null;
      for (int page = 0; page < 1_000; page++) {
        StringBuilder path = new StringBuilder("/views/random?");
        parameters.forEach((k, v) -> path.append(k).append('=').append(encode(v)).append('&'));
        if (cursor != null) {
          path.append("cursor=").append(cursor);
        }
        Reply reply = get(path.toString());
        assertThat(reply.status()).as(reply.body().toString()).isEqualTo(200);
        assertThat(reply.body().get("rows").size()).isLessThanOrEqualTo(limit);
        for (JsonNode row : reply.body().get("rows")) {
          String key = row.get("key").asText();
          actual.add(key);
          assertThat(row.get("value"))
              .isEqualTo(JSON.readTree(reference.get(key.getBytes(StandardCharsets.UTF_8))));
        }
        JsonNode next = reply.body().get("next_cursor");
        if (next.isNull()) {
          break;
        }
        cursor = next.asText();
      }
      assertThat(actual).as("query %s", parameters).isEqualTo(expected);
    }
  }

  private static String randomKey(Random random, String alphabet) {
    int length = 1 + random.nextInt(4);
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < length; i++) {
      key.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return key.toString();
  }

  private static List<String> expectedKeys(
      TreeMap<byte[], String> reference, Map<String, String> parameters) {
    byte[] prefix = bytes(parameters.get("prefix"));
    byte[] from = bytes(parameters.get("from"));
    byte[] to = bytes(parameters.get("to"));
    List<String> keys = new ArrayList<>();
    for (byte[] key : reference.keySet()) {
      if ((prefix == null || ViewIndex.startsWith(key, prefix))
          && (from == null || Arrays.compareUnsigned(key, from) >= 0)
          && (to == null || Arrays.compareUnsigned(key, to) < 0)) {
        keys.add(new String(key, StandardCharsets.UTF_8));
      }
    }
    return keys;
  }

  private static byte[] bytes(String text) {
    return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertError(Reply reply, int status, String code) {
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(status);
    assertThat(reply.body().get("error").asText()).isEqualTo(code);
    assertThat(reply.body().get("message").asText()).isNotBlank();
  }
}
