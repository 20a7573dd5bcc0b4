package io.millrace.connect.sink.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.common.Clock;
import io.millrace.common.ManualClock;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.testing.WebhookServer;
import io.millrace.connect.testing.WebhookServer.Answer;
import io.millrace.engine.sink.SinkDelivery;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.pipeline.definition.HttpOutput;
import io.millrace.pipeline.definition.SourcePosition;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The webhook sink against a local HTTP server that fails, throttles and rejects. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhookSinkTest {

  private final WebhookServer server = new WebhookServer();
  private final HttpClient client = HttpClient.newHttpClient();
  private final ScheduledExecutorService retryThread = Executors.newSingleThreadScheduledExecutor();

  /** Every backoff SinkDelivery asked for, in order. */
  private final ConcurrentLinkedQueue<Long> delaysMs = new ConcurrentLinkedQueue<>();

  WebhookSinkTest() throws Exception {}

  @AfterEach
  void stop() {
    server.close();
    client.close();
    retryThread.shutdownNow();
  }

  private HttpOutput output(String url, HttpOutput.Mode mode, HttpOutput.Auth auth) {
    return new HttpOutput(
        "hook",
        url,
        "POST",
        mode,
        Map.of("X-Pipeline", "orders"),
        auth,
        5_000,
        SourcePosition.startOf("test.yaml"));
  }

  private SinkDelivery delivery(WebhookSink sink, int maxAttempts) {
    SinkDelivery.RetryScheduler real = SinkDelivery.RetryScheduler.of(retryThread);
    return new SinkDelivery(
        sink,
        new RetryPolicy(maxAttempts, 5, 2_000),
        new Random(42),
        (task, delayMs) -> {
          delaysMs.add(delayMs);
          real.schedule(task, delayMs);
        });
  }

  private static List<SinkRecord> records(String... values) {
    return java.util.stream.IntStream.range(0, values.length)
        .mapToObj(
            i ->
                new SinkRecord(
                    "in", 0, i, 0L, null, values[i].getBytes(StandardCharsets.UTF_8), List.of()))
        .toList();
  }

  @Test
  void whenTheEndpointFailsThenThrottles_thenTheBatchIsRetriedHonouringRetryAfterAndDelivered()
      throws Exception {
    server.answerNext(Answer.status(503), new Answer(429, Map.of("Retry-After", "1"), "slow down"));
    WebhookSink sink =
        new WebhookSink(
            output(server.url("/hook"), HttpOutput.Mode.BATCH, new HttpOutput.Auth.Bearer("t0k")),
            client,
            Clock.SYSTEM);
    SinkDelivery delivery = delivery(sink, 5);

    SinkResult result =
        delivery.deliver(records("{\"a\":1}", "{\"a\":2}")).get(30, TimeUnit.SECONDS);

    assertThat(result.allDelivered()).isTrue();
    List<WebhookServer.Received> received = server.received();
    assertThat(received).hasSize(3);
    assertThat(received)
        .allSatisfy(
            r -> {
              assertThat(r.method()).isEqualTo("POST");
              assertThat(r.body()).isEqualTo("[{\"a\":1},{\"a\":2}]");
              assertThat(r.header("Authorization")).isEqualTo("Bearer t0k");
              assertThat(r.header("X-Pipeline")).isEqualTo("orders");
              assertThat(r.header("Content-Type")).isEqualTo("application/json");
            });
    assertThat(delivery.stats().retries()).isEqualTo(2);
    assertThat(delaysMs).hasSize(2);
    assertThat(delaysMs).element(0).isIn(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(delaysMs).element(1).isEqualTo(1_000L); // Retry-After: 1 beats a ≤10 ms backoff
  }

  @Test
  void whenTheEndpointRejectsABatch_thenEveryRecordIsRejectedWithoutRetry() throws Exception {
    server.answerNext(new Answer(400, Map.of(), "{\"error\":\"field a must be a string\"}"));
    WebhookSink sink =
        new WebhookSink(
            output(server.url("/hook"), HttpOutput.Mode.BATCH, null), client, Clock.SYSTEM);
    SinkDelivery delivery = delivery(sink, 5);

    SinkResult result =
        delivery.deliver(records("{\"a\":1}", "{\"a\":2}")).get(30, TimeUnit.SECONDS);

    assertThat(result.rejected()).extracting(SinkResult.Rejected::index).containsExactly(0, 1);
    assertThat(result.rejected().get(0).reason())
        .contains("HTTP 400")
        .contains("field a must be a string");
    assertThat(server.received()).hasSize(1);
    assertThat(server.received().get(0).header("Authorization")).isNull();
    assertThat(delivery.stats().retries()).isZero();
  }

  @Test
  void whenTheEndpointAnswersAHugeErrorBody_thenTheReasonQuotesOnlyItsStart() throws Exception {
    server.answerNext(new Answer(413, Map.of(), "too large! " + "x".repeat(1_000_000)));
    WebhookSink sink =
        new WebhookSink(
            output(server.url("/hook"), HttpOutput.Mode.BATCH, null), client, Clock.SYSTEM);

    SinkResult result = delivery(sink, 5).deliver(records("1")).get(30, TimeUnit.SECONDS);

    String reason = result.rejected().get(0).reason();
    assertThat(reason).contains("HTTP 413: too large! xxx").endsWith("...");
    assertThat(reason.length()).isLessThan(400);
  }

  @Test
  void whenOneRecordIsRejectedAndAnotherFailsForNow_thenOnlyTheFailedRequestIsRepeated()
      throws Exception {
    server.answerNext(
        Answer.status(200), // a
        new Answer(422, Map.of(), "no"), // b: rejected
        Answer.status(500), // c: retried
        Answer.status(200), // c again
        Answer.status(200)); // d
    WebhookSink sink =
        new WebhookSink(
            output(
                server.url("/each"),
                HttpOutput.Mode.RECORD,
                new HttpOutput.Auth.Basic("me", "pa:ss")),
            client,
            Clock.SYSTEM);
    SinkDelivery delivery = delivery(sink, 5);

    SinkResult result =
        delivery.deliver(records("\"a\"", "\"b\"", "\"c\"", "\"d\"")).get(30, TimeUnit.SECONDS);

    assertThat(result.rejected()).extracting(SinkResult.Rejected::index).containsExactly(1);
    assertThat(result.rejected().get(0).reason()).contains("HTTP 422: no");
    assertThat(server.received())
        .extracting(WebhookServer.Received::body)
        .containsExactly("\"a\"", "\"b\"", "\"c\"", "\"c\"", "\"d\"");
    assertThat(server.received().get(0).header("Authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder().encodeToString("me:pa:ss".getBytes(StandardCharsets.UTF_8)));
    // The next batch starts afresh.
    assertThat(delivery.deliver(records("\"e\"")).get(30, TimeUnit.SECONDS).allDelivered())
        .isTrue();
    assertThat(server.received()).hasSize(6);
  }

  @Test
  void whenTheEndpointIsDownOrAlwaysFailing_thenDeliveryGivesUpWithTheLastError() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    WebhookSink down =
        new WebhookSink(
            output("http://127.0.0.1:" + closedPort + "/x", HttpOutput.Mode.BATCH, null),
            client,
            Clock.SYSTEM);
    SinkResult refused = delivery(down, 3).deliver(records("1", "2")).get(30, TimeUnit.SECONDS);
    assertThat(refused.rejected()).hasSize(2);
    assertThat(refused.rejected().get(0).reason()).startsWith("gave up after 3 attempts: POST");

    server.answerNext(Answer.status(502), Answer.status(502), Answer.status(502));
    WebhookSink failing =
        new WebhookSink(
            output(server.url("/x"), HttpOutput.Mode.BATCH, null), client, Clock.SYSTEM);
    SinkResult gaveUp = delivery(failing, 3).deliver(records("1")).get(30, TimeUnit.SECONDS);
    assertThat(gaveUp.rejected()).hasSize(1);
    assertThat(gaveUp.rejected().get(0).reason())
        .startsWith("gave up after 3 attempts: POST")
        .contains("HTTP 502");
    assertThat(server.received()).hasSize(3);
  }

  @Test
  void shouldReadRetryAfterAsSecondsOrAnHttpDate() {
    ManualClock clock = new ManualClock(1_767_225_600_000L); // 2026-01-01T00:00:00Z
    WebhookSink sink =
        new WebhookSink(output(server.url("/x"), HttpOutput.Mode.BATCH, null), client, clock);
    assertThat(sink.retryAfterMs("7")).isEqualTo(7_000);
    assertThat(sink.retryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT")).isEqualTo(30_000);
    assertThat(sink.retryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT")).isZero();
    assertThat(sink.retryAfterMs("soon")).isEqualTo(-1);
  }
}
