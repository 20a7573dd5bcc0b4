package io.millrace.connect.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.SourceRunner;
import io.millrace.connect.SourceScheduler;
import io.millrace.connect.testing.FeedServer;
import io.millrace.connect.testing.TopicContents;
import io.millrace.log.Log;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HttpPollingSourceTest {

  @RegisterExtension
  final io.millrace.log.testing.LogExtension logs = new io.millrace.log.testing.LogExtension();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final RetryPolicy FAST_RETRY = new RetryPolicy(6, 5, 50);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private FeedServer server;
  private SourceScheduler scheduler;

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private SourceScheduler startScheduler(Log log) {
    scheduler =
        new SourceScheduler(
            log, new TopicWriter(log, WriterOptions.DEFAULTS), registry, Duration.ofSeconds(10));
    return scheduler;
  }

  static HttpPollingSourceConfig cursorConfig(URI url, String keyPointer) {
    return new HttpPollingSourceConfig(
        "feed",
        "events",
        url,
        20,
        Map.of("X-Client", "millrace-test"),
        HttpAuth.bearer("secret-token"),
        "/items",
        "/id",
        keyPointer,
        Pagination.cursor("/next", "after"),
        false,
        500,
        1_000,
        1 << 20,
        1_000,
        FAST_RETRY);
  }

  private static List<String> expectedIds(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(n -> "item-" + n).toList();
  }

  private double failures(String reason) {
    var counter =
        registry.find("millrace.source.failures").tag("source", "feed").tag("reason", reason);
    return counter.counter() == null ? 0 : counter.counter().count();
  }

  @Test
  void whenPagesFailAndTheSourceRestarts_thenEveryItemIsWrittenOnce() throws Exception {
    server = new FeedServer(7, 50);
    Log log = logs.open();
    log.createTopic("events", 3, Map.of());
    server.failNext(
        FeedServer.Failure.HTTP_500, FeedServer.Failure.HTTP_429, FeedServer.Failure.HANG);
    startScheduler(log)
        .start(
            new HttpPollingSource(cursorConfig(server.uri("/items"), "/id"), MAPPER),
            cursorConfig(server.uri("/items"), "/id").settings());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> TopicContents.field(log, "events", "id").size() >= 30);
    server.addItems(30);
    server.failNext(FeedServer.Failure.HTTP_500);

    // Restart in the middle: stop the source, close the log, open it again, start over.
    scheduler.close();
    Log reopened = logs.reopen(log);
    server.addItems(20);
    startScheduler(reopened)
        .start(
            new HttpPollingSource(cursorConfig(server.uri("/items"), "/id"), MAPPER),
            cursorConfig(server.uri("/items"), "/id").settings());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> TopicContents.field(reopened, "events", "id").size() >= 100);
    int requestsAtEnd = server.requests();
    await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() > requestsAtEnd + 3);

    List<String> ids = TopicContents.field(reopened, "events", "id");
    assertThat(ids).hasSize(100).containsExactlyInAnyOrderElementsOf(expectedIds(100));
    assertThat(new HashSet<>(ids)).hasSize(100);
    assertThat(failures("http_500")).isGreaterThanOrEqualTo(1);
    assertThat(failures("http_429")).isEqualTo(1);
    assertThat(failures("timeout")).isEqualTo(1);
    assertThat(server.authorizations()).allMatch("Bearer secret-token"::equals).isNotEmpty();
    assertThat(scheduler.state("feed")).isEqualTo(SourceRunner.State.RUNNING);
  }

  @Test
  void whenFeedIsUnchanged_thenConditionalRequestsAndIdsPreventDuplicates() throws Exception {
    server = new FeedServer(4, 10);
    Log log = logs.open();
    log.createTopic("events", 2, Map.of());
    HttpPollingSourceConfig config =
        new HttpPollingSourceConfig(
            "feed",
            "events",
            server.uri("/feed"),
            20,
            Map.of(),
            HttpAuth.basic("user", "pass"),
            "/data/items",
            "/id",
            null,
            Pagination.nextLink("/links/next"),
            true,
            2_000,
            1_000,
            1 << 20,
            1_000,
            FAST_RETRY);
    startScheduler(log).start(new HttpPollingSource(config, MAPPER), config.settings());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TopicContents.field(log, "events", "id").size() >= 10);
    await().atMost(Duration.ofSeconds(20)).until(() -> server.notModifiedAnswers() >= 2);
    server.addItems(5);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TopicContents.field(log, "events", "id").size() >= 15);
    await().atMost(Duration.ofSeconds(20)).until(() -> server.notModifiedAnswers() >= 4);

    assertThat(TopicContents.field(log, "events", "id"))
        .containsExactlyInAnyOrderElementsOf(expectedIds(15));
    // The second walk over the pages met the first 10 items again and skipped them by id.
    assertThat(registry.counter("millrace.source.duplicates", "source", "feed").count())
        .isGreaterThanOrEqualTo(10);
    assertThat(server.authorizations()).contains("Basic dXNlcjpwYXNz");
  }

  @Test
  void shouldNameEveryBrokenSetting() {
    HttpPollingSourceConfig bad =
        new HttpPollingSourceConfig(
            "bad name!",
            "",
            URI.create("ftp://example.com/x"),
            0,
            Map.of("Authorization", "x"),
            HttpAuth.bearer(""),
            "items",
            null,
            null,
            Pagination.cursor("/next", "a b"),
            true,
            0,
            0,
            0,
            -1,
            new RetryPolicy(0, 0, -1));
    assertThat(bad.validate())
        .extracting(p -> p.setting())
        .contains(
            "name",
            "topic",
            "url",
            "intervalMs",
            "headers.Authorization",
            "auth.token",
            "itemsPointer",
            "pagination.cursorParameter",
            "requestTimeoutMs",
            "maxItemsPerPage",
            "maxResponseBytes",
            "maxRecentIds",
            "retry.maxAttempts",
            "retry.initialDelayMs",
            "retry.maxDelayMs");
    assertThatThrownBy(() -> new HttpPollingSource(bad, MAPPER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("url: must be an absolute http:// or https:// URL");
  }

  @Test
  void whenTheWriterIsBackPressured_thenTheSourceWaitsAndLosesNothing() throws Exception {
    server = new FeedServer(7, 30);
    Log log = logs.open();
    log.createTopic("events", 3, Map.of());
    log.createTopic(
        "hog",
        1,
        Map.of(
            io.millrace.log.TopicConfig.FLUSH_POLICY,
            "group-commit",
            io.millrace.log.TopicConfig.FLUSH_INTERVAL_MS,
            "3600000"));
    TopicWriter writer = new TopicWriter(log, new WriterOptions(20_000, 20_000, 1_000, 10_000));
    // Another writer of the same budget (HTTP push, say) fills it with data not yet durable, to
    // within a few bytes of the limit: nothing the source writes fits any more.
    for (int valueBytes : new int[] {3_000, 300, 1}) {
      List<io.millrace.log.write.WriteRecord> filler =
          List.of(
              new io.millrace.log.write.WriteRecord(
                  0, null, new byte[valueBytes], List.of(), io.millrace.log.write.WriteRecord.NOW));
      int writes = 0;
      io.millrace.log.write.WriteResult result;
      while ((result = writer.tryWrite("hog", filler)).isOk()) {
        assertThat(++writes).isLessThan(1_000);
      }
      assertThat(result.status()).isEqualTo(io.millrace.log.write.WriteStatus.BACK_PRESSURED);
    }
    scheduler = new SourceScheduler(log, writer, registry, Duration.ofSeconds(10));
    HttpPollingSourceConfig config = cursorConfig(server.uri("/items"), "/id");
    scheduler.start(new HttpPollingSource(config, MAPPER), config.settings());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> registry.counter("millrace.source.backpressured", "source", "feed").count() > 0);
    assertThat(TopicContents.field(log, "events", "id")).isEmpty();

    log.partitions("hog").get(0).flush(); // durable: the budget is released

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TopicContents.field(log, "events", "id").size() >= 30);
    assertThat(TopicContents.field(log, "events", "id"))
        .containsExactlyInAnyOrderElementsOf(expectedIds(30));
  }
}
