package io.millrace.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.http.HttpAuth;
import io.millrace.connect.http.HttpPollingSource;
import io.millrace.connect.http.HttpPollingSourceConfig;
import io.millrace.connect.http.Pagination;
import io.millrace.connect.testing.FeedServer;
import io.millrace.connect.testing.TopicContents;
import io.millrace.log.Log;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.write.KafkaPartitioner;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The window between appending a page and storing the position, made to happen on purpose: the test
 * fetches the next page itself and appends exactly the records the runner would, then "crashes"
 * (never stores the position) and starts the source again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrashWindowTest {

  @RegisterExtension final LogExtension logs = new LogExtension();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int PARTITIONS = 3;

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

  private HttpPollingSourceConfig config() {
    return new HttpPollingSourceConfig(
        "feed",
        "events",
        server.uri("/items"),
        20,
        Map.of(),
        HttpAuth.NONE,
        "/items",
        "/id",
        "/id",
        Pagination.cursor("/next", "after"),
        false,
        2_000,
        1_000,
        1 << 20,
        1_000,
        new RetryPolicy(3, 5, 50));
  }

  private Log ingestAll(Log log, int expected) {
    scheduler =
        new SourceScheduler(
            log, new TopicWriter(log, WriterOptions.DEFAULTS), registry, Duration.ofSeconds(10));
    scheduler.start(new HttpPollingSource(config(), MAPPER), config().settings());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> TopicContents.field(log, "events", "id").size() >= expected);
    scheduler.close();
    scheduler = null;
    return log;
  }

  /**
   * Appends the next page as the runner would, leaving out the records that land on partitions not
   * in {@code keepPartitions}; returns the page's item count.
   */
  private int appendNextPageWithoutPosition(Log log, List<Integer> keepPartitions)
      throws Exception {
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    SourcePositionStore positions = new SourcePositionStore(log, writer, MAPPER);
    SourceCheckpoint stored = positions.read("feed").orElseThrow();
    try (HttpPollingSource source = new HttpPollingSource(config(), MAPPER)) {
      SourcePage page = source.fetch(stored.cursor());
      List<WriteRecord> records =
          PageRecords.build(
              "feed",
              stored.sequence() + 1,
              page.items(),
              MAPPER.writeValueAsBytes(page.cursorAfter()));
      List<WriteRecord> kept =
          records.stream()
              .filter(
                  r -> keepPartitions.contains(KafkaPartitioner.partitionOf(r.key(), PARTITIONS)))
              .toList();
      WriteResult result = writer.tryWrite("events", kept);
      assertThat(result.isOk()).as(result.toString()).isTrue();
      return page.items().size();
    }
  }

  private static List<String> ids(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(n -> "item-" + n).toList();
  }

  @Test
  void whenPageWasAppendedButPositionNotStored_thenRestartRollsForwardWithoutDuplicates()
      throws Exception {
    server = new FeedServer(5, 20);
    Log log = logs.open();
    log.createTopic("events", PARTITIONS, Map.of());
    ingestAll(log, 20);

    server.addItems(5);
    assertThat(appendNextPageWithoutPosition(log, List.of(0, 1, 2))).isEqualTo(5);
    Log reopened = logs.reopen(log); // the "crash": the position still says item 20
    server.addItems(5);
    ingestAll(reopened, 30);

    List<String> stored = TopicContents.field(reopened, "events", "id");
    assertThat(stored).hasSize(30).containsExactlyInAnyOrderElementsOf(ids(1, 30));
  }

  @Test
  void whenOnlyPartOfAPageReachedTheLog_thenThePageIsFetchedAgainAndNothingIsSkipped()
      throws Exception {
    server = new FeedServer(5, 20);
    Log log = logs.open();
    log.createTopic("events", PARTITIONS, Map.of());
    ingestAll(log, 20);

    server.addItems(5);
    appendNextPageWithoutPosition(log, List.of(0)); // died between the partitions' appends
    long partial =
        ids(21, 25).stream()
            .filter(
                id ->
                    KafkaPartitioner.partitionOf(
                            id.getBytes(java.nio.charset.StandardCharsets.UTF_8), PARTITIONS)
                        == 0)
            .count();
    assertThat(partial).as("records of the page on partition 0").isPositive();
    Log reopened = logs.reopen(log);
    ingestAll(reopened, 25 + (int) partial);

    // Nothing skipped; the records of the incomplete page that did reach the log are there twice
    // (the documented at-least-once case of keyed pages spanning partitions).
    List<String> stored = TopicContents.field(reopened, "events", "id");
    assertThat(stored).hasSize(25 + (int) partial);
    assertThat(new java.util.HashSet<>(stored)).containsExactlyInAnyOrderElementsOf(ids(1, 25));
  }

  @Test
  void whenAPartialPageIsFollowedByTheWholePageAgain_thenRecoveryTakesTheWholePage()
      throws Exception {
    server = new FeedServer(5, 20);
    Log log = logs.open();
    log.createTopic("events", PARTITIONS, Map.of());
    ingestAll(log, 20);

    server.addItems(5);
    appendNextPageWithoutPosition(log, List.of(0)); // a crash cut the page
    appendNextPageWithoutPosition(log, List.of(0, 1, 2)); // fetched again, crash before position
    long partial =
        ids(21, 25).stream()
            .filter(
                id ->
                    KafkaPartitioner.partitionOf(
                            id.getBytes(java.nio.charset.StandardCharsets.UTF_8), PARTITIONS)
                        == 0)
            .count();
    assertThat(partial).as("records of the page on partition 0").isPositive();
    Log reopened = logs.reopen(log);
    server.addItems(5);
    ingestAll(reopened, 30 + (int) partial);

    // The whole page counts once; only the cut copy's records are there twice. Counting records
    // instead of distinct indexes would call the page incomplete and write it a third time.
    List<String> stored = TopicContents.field(reopened, "events", "id");
    assertThat(stored).hasSize(30 + (int) partial);
    assertThat(new java.util.HashSet<>(stored)).containsExactlyInAnyOrderElementsOf(ids(1, 30));
  }
}
