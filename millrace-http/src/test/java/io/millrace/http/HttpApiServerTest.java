package io.millrace.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over real HTTP, against a server on an ephemeral port and a real log. */
@Timeout(60)
class HttpApiServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REQUEST_BYTES = 4096;

  @TempDir Path dir;

  private Log log;
  private HttpApiServer server;
  private final AtomicBoolean kafkaUp = new AtomicBoolean(true);
  private HealthChecks health;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    log = Log.open(LogOptions.defaults(dir.resolve("data")));
    health = new HealthChecks().add("log", log::isOpen).add("kafka_listener", kafkaUp::get);
    Router.Builder routes = Router.builder();
    new HealthApi(health).register(routes);
    new TopicsApi(log).register(routes);
    routes.get(
        "/boom",
        request -> {
          throw new IllegalStateException("a bug in a handler");
        });
    server =
        HttpApiServer.start(
            new HttpServerConfig("127.0.0.1", 0, MAX_REQUEST_BYTES, 64), routes.build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    log.close();
  }

  private record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  private Reply send(String method, String path, String contentType, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<String> response =
        client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = response.body().isEmpty() ? null : JSON.readTree(response.body());
    return new Reply(response.statusCode(), json, response);
  }

  private Reply get(String path) throws Exception {
    return send("GET", path, null, null);
  }

  private Reply post(String path, String json) throws Exception {
    return send("POST", path, "application/json", json);
  }

  private static void assertError(Reply reply, int status, String code) {
    assertThat(reply.status()).as(reply.raw().body()).isEqualTo(status);
    assertThat(reply.body().get("error").asText()).isEqualTo(code);
    assertThat(reply.body().get("message").asText()).isNotBlank();
    assertThat(reply.raw().headers().firstValue("Content-Type")).contains("application/json");
  }

  // ------------------------------------------------------------------------------------ health

  @Test
  void whenEverythingIsUp_thenHealthIs200() throws Exception {
    Reply reply = get("/health");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().toString())
        .isEqualTo("{\"status\":\"up\",\"checks\":{\"log\":\"up\",\"kafka_listener\":\"up\"}}");
  }

  @Test
  void whenACheckFails_thenHealthIs503AndNamesIt() throws Exception {
    kafkaUp.set(false);

    Reply reply = get("/health");

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body().get("status").asText()).isEqualTo("down");
    assertThat(reply.body().get("checks").get("kafka_listener").asText()).isEqualTo("down");
  }

  @Test
  void whenStopping_thenHealthIs503() throws Exception {
    health.markStopping();

    Reply reply = get("/health");

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body().get("status").asText()).isEqualTo("stopping");
  }

  // ------------------------------------------------------------------------------------ topics

  @Test
  void shouldCreateDescribeListAndDeleteATopic() throws Exception {
    Reply created =
        post(
            "/topics",
            "{\"name\":\"orders\",\"partitions\":3,\"configs\":{\"retention.ms\":60000,"
                + "\"cleanup.policy\":\"compact\"}}");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.raw().headers().firstValue("Location")).contains("/topics/orders");
    assertThat(created.body().get("partitions")).hasSize(3);

    Reply listed = get("/topics");
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body().get("topics").toString())
        .contains("{\"name\":\"orders\",\"partitions\":3,\"internal\":false}");

    Reply described = get("/topics/orders");
    assertThat(described.status()).isEqualTo(200);
    JsonNode topic = described.body();
    assertThat(topic.get("name").asText()).isEqualTo("orders");
    assertThat(topic.get("topic_id").asText()).hasSize(36);
    assertThat(topic.get("partitions").get(2).toString())
        .isEqualTo(
            "{\"partition\":2,\"log_start_offset\":0,\"log_end_offset\":0,\"size_bytes\":0}");
    assertThat(topic.get("configs").get("retention.ms").toString())
        .isEqualTo("{\"value\":\"60000\",\"override\":true}");
    assertThat(topic.get("configs").get("cleanup.policy").get("value").asText())
        .isEqualTo("compact");
    assertThat(topic.get("configs").get("segment.bytes").get("override").asBoolean()).isFalse();

    Reply deleted = send("DELETE", "/topics/orders", null, null);
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.raw().body()).isEmpty();
    assertError(get("/topics/orders"), 404, "unknown_topic");
  }

  @Test
  void whenPartitionsAreOmitted_thenOne() throws Exception {
    assertThat(post("/topics", "{\"name\":\"one\"}").body().get("partitions")).hasSize(1);
  }

  @Test
  void whenTopicExists_thenCreateIs409() throws Exception {
    post("/topics", "{\"name\":\"orders\"}");

    assertError(post("/topics", "{\"name\":\"orders\"}"), 409, "topic_exists");
  }

  @Test
  void shouldPassOnTheLogsValidationMessages() throws Exception {
    Reply badName = post("/topics", "{\"name\":\"no/slash\"}");
    assertError(badName, 400, "invalid_topic_name");

    Reply badConfig = post("/topics", "{\"name\":\"t\",\"configs\":{\"retention.ms\":-5}}");
    assertError(badConfig, 400, "invalid_config");
    assertThat(badConfig.body().get("message").asText())
        .isEqualTo("invalid retention.ms: must be -1 or >= 0");

    Reply unknownConfig = post("/topics", "{\"name\":\"t\",\"configs\":{\"retention\":1}}");
    assertError(unknownConfig, 400, "invalid_config");
    assertThat(unknownConfig.body().get("message").asText())
        .isEqualTo("unknown topic setting retention");

    assertError(post("/topics", "{\"name\":\"t\",\"partitions\":0}"), 400, "invalid_partitions");
    assertError(
        post("/topics", "{\"name\":\"t\",\"partitions\":\"3\"}"), 400, "invalid_partitions");
    assertThat(log.topicNames()).doesNotContain("t");
  }

  @Test
  void shouldRejectMalformedCreateRequests() throws Exception {
    assertError(post("/topics", "{\"name\":"), 400, "invalid_json");
    assertError(post("/topics", ""), 400, "invalid_json");
    assertError(post("/topics", "[1]"), 400, "invalid_request");
    assertError(post("/topics", "{\"partitions\":1}"), 400, "invalid_request");
    assertError(post("/topics", "{\"name\":\"t\",\"replicas\":3}"), 400, "invalid_request");
    assertError(send("POST", "/topics", "text/plain", "name=t"), 415, "unsupported_media_type");
    assertError(send("POST", "/topics", null, "{\"name\":\"t\"}"), 415, "unsupported_media_type");
  }

  @Test
  void shouldRefuseABodyOverTheLimitWith413() throws Exception {
    String big = "{\"name\":\"t\",\"configs\":{\"x\":\"" + "a".repeat(MAX_REQUEST_BYTES) + "\"}}";

    assertError(post("/topics", big), 413, "request_too_large");
    assertThat(get("/health").status()).isEqualTo(200);
  }

  @Test
  void whenDeletingAnUnknownTopic_then404() throws Exception {
    assertError(send("DELETE", "/topics/nope", null, null), 404, "unknown_topic");
  }

  @Test
  void whenDeletingTheOffsetsTopic_then400() throws Exception {
    assertThat(log.topicNames()).contains("__consumer_offsets");

    assertError(
        send("DELETE", "/topics/__consumer_offsets", null, null), 400, "invalid_topic_name");
    assertThat(get("/topics").body().get("topics").toString())
        .contains("{\"name\":\"__consumer_offsets\",\"partitions\":8,\"internal\":true}");
  }

  // ------------------------------------------------------------------------------------ routing

  @Test
  void shouldAnswerUnknownPathsWith404() throws Exception {
    assertError(get("/nope"), 404, "not_found");
    assertError(get("/topics/a/b"), 404, "not_found");
  }

  @Test
  void shouldAnswerAWrongMethodWith405AndAllow() throws Exception {
    Reply reply = send("PUT", "/topics", "application/json", "{}");

    assertError(reply, 405, "method_not_allowed");
    assertThat(reply.raw().headers().firstValue("Allow")).contains("GET, POST");
  }

  @Test
  void whenAHandlerFails_thenA500WithoutStackTraceAndTheServerCarriesOn() throws Exception {
    Reply reply = get("/boom");

    assertError(reply, 500, "internal_error");
    assertThat(reply.raw().body()).doesNotContain("IllegalStateException", "at io.millrace");
    assertThat(get("/health").status()).isEqualTo(200);
  }

  @Test
  void shouldServeConcurrentRequests() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String body = "{\"name\":\"t" + (i % 10) + "\",\"partitions\":2}";
      replies.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/topics"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
      replies.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/topics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    int created = 0;
    int conflicts = 0;
    for (CompletableFuture<HttpResponse<String>> reply : replies) {
      int status = reply.get().statusCode();
      assertThat(status).isIn(200, 201, 409);
      created += status == 201 ? 1 : 0;
      conflicts += status == 409 ? 1 : 0;
    }

    assertThat(created).as("each of the 10 names is created exactly once").isEqualTo(10);
    assertThat(conflicts).isEqualTo(30);
    assertThat(log.topicNames().stream().filter(name -> name.startsWith("t"))).hasSize(10);
  }

  @Test
  void whenMoreRequestsThanTheLimitAreInFlight_thenOverloaded503() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Router.Builder routes = Router.builder();
    routes.get(
        "/slow",
        request -> {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ApiResponse.ok(Map.of("done", true));
        });
    try (HttpApiServer small =
        HttpApiServer.start(new HttpServerConfig("127.0.0.1", 0, 4096, 1), routes.build())) {
      URI slow = URI.create("http://127.0.0.1:" + small.port() + "/slow");
      CompletableFuture<HttpResponse<String>> first =
          client.sendAsync(
              HttpRequest.newBuilder(slow).build(), HttpResponse.BodyHandlers.ofString());
      entered.await();

      HttpResponse<String> second =
          client.send(HttpRequest.newBuilder(slow).build(), HttpResponse.BodyHandlers.ofString());
      release.countDown();

      assertThat(second.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(second.body()).get("error").asText()).isEqualTo("overloaded");
      assertThat(first.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void whenThePortIsTaken_thenStartNamesTheAddress() {
    assertThatThrownBy(
            () ->
                HttpApiServer.start(
                    new HttpServerConfig("127.0.0.1", server.port(), 4096, 1),
                    Router.builder().build()))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageStartingWith("cannot listen for HTTP on 127.0.0.1:" + server.port());
  }

  @Test
  void shouldCloseIdempotently() {
    server.close();
    server.close();
  }
}
