package io.millrace.server.cli;

import static io.millrace.server.cli.ServerProcessTest.startServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source declared in millrace.yaml, end to end: a real {@code millrace server --config FILE}
 * process polls a paginated JSON feed on a local HTTP server, its records reach the topic (read
 * back with the Kafka consumer), {@code /metrics} counts them, and a restart writes no duplicate.
 */
@Tag("system")
class SourcesProcessTest {

  private static final int PAGE_SIZE = 4;

  @TempDir Path dir;

  private final Feed feed = new Feed();

  @AfterEach
  void stopFeed() {
    feed.close();
  }

  @Test
  @Timeout(120)
  void shouldIngestAPaginatedFeedAndCountItAndNotDuplicateAfterARestart() throws Exception {
    feed.addItems(10);
    Path config = dir.resolve("millrace.yaml");
    Files.writeString(
        config,
        """
        data_dir: %s
        kafka:
          port: 0
        http:
          port: 0
        sources:
          feed:
            type: http
            topic: events
            url: %s
            interval_ms: 100
            items_pointer: /items
            id_pointer: /id
            key_pointer: /id
            pagination: {type: next_link, pointer: /next}
            auth: {type: bearer, token: test-token}
        """
            .formatted(dir.resolve("data"), feed.url("/feed?page=1")));

    try (RunningServer server = RunningServer.start(config)) {
      assertThat(server.readyLine()).contains("1 source,");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.counter("millrace_source_records_total"), n -> n == 10.0);
      assertThat(server.metrics()).contains("jvm_memory_used_bytes");
      assertThat(idsIn(server.kafkaPort())).hasSize(10).doesNotHaveDuplicates();
    }
    assertThat(feed.authorizations).containsOnly("Bearer test-token");

    feed.addItems(5);
    try (RunningServer server = RunningServer.start(config)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.counter("millrace_source_records_total"), n -> n == 5.0);
      // Every poll re-reads page 1 onwards: the first 10 items are dropped by id, across the
      // restart, and nothing is written twice.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.counter("millrace_source_duplicates_total"), n -> n >= 10.0);
      List<String> ids = idsIn(server.kafkaPort());
      assertThat(ids).hasSize(15).doesNotHaveDuplicates();
      assertThat(ids).contains("item-1", "item-15");
    }
  }

  @Test
  @Timeout(60)
  void shouldRefuseToStartWhenASourceTopicIsMissingAndAutoCreateIsOff() throws Exception {
    Path config = dir.resolve("millrace.yaml");
    Files.writeString(
        config,
        """
        data_dir: %s
        kafka:
          port: 0
          auto_create_topics: false
        http:
          port: 0
        sources:
          feed:
            type: http
            topic: events
            url: %s
            items_pointer: /items
        """
            .formatted(dir.resolve("data"), feed.url("/feed?page=1")));

    Process server = startServer("--config", config.toString());
    String output = new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(server.exitValue()).isEqualTo(1);
    assertThat(output)
        .contains(
            "source feed: topic events does not exist; create it (millrace topic create events)"
                + " or set kafka.auto_create_topics: true");
  }

  /** Every record's key (the item's id), read from the start of the topic; checks the value. */
  private static List<String> idsIn(int kafkaPort) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort);
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<String> ids = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
      TopicPartition partition = new TopicPartition("events", 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      while (consumer.position(partition) < end) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          ids.add(record.key());
          assertThat(record.value()).contains("\"id\":\"" + record.key() + "\"");
        }
      }
    }
    return ids;
  }

  /**
   * A feed paginated by next links on 127.0.0.1: {@code GET /feed?page=K} answers {@code {"items":
   * [{"id": "item-N", "n": N}...], "next": "/feed?page=K+1"}}, without {@code next} on the last
   * page. Thread-safe.
   */
  private static final class Feed implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger items = new AtomicInteger();
    final Set<String> authorizations = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Feed() {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/feed", this::page);
      server.start();
    }

    String url(String path) {
      return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void addItems(int count) {
      items.addAndGet(count);
    }

    private void page(HttpExchange exchange) throws IOException {
      try (exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        authorizations.add(authorization == null ? "(none)" : authorization);
        Map<String, String> query = new java.util.HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            query.put(pair.substring(0, eq), pair.substring(eq + 1));
          }
        }
        int page = Integer.parseInt(query.getOrDefault("page", "1"));
        int total = items.get();
        int first = (page - 1) * PAGE_SIZE + 1;
        int last = Math.min(total, page * PAGE_SIZE);
        StringBuilder body = new StringBuilder("{\"items\":[");
        for (int n = first; n <= last; n++) {
          body.append(n == first ? "" : ",")
              .append("{\"id\":\"item-")
              .append(n)
              .append("\",\"n\":")
              .append(n)
              .append('}');
        }
        body.append(']');
        if (last < total) {
          body.append(",\"next\":\"/feed?page=").append(page + 1).append('"');
        }
        byte[] bytes = body.append('}').toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
