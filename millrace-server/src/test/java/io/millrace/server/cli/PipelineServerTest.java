package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.server.MillraceServer;
import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ServerConfigReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a Java Kafka producer writes to a topic, a pipeline deployed with {@code millrace
 * pipeline deploy} cleans it, and Kafka consumers read the output and dead-letter topics; the
 * pipeline's progress is a consumer group the Kafka admin client sees.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipelineServerTest {

  private static final String PIPELINE =
      """
      name: cleaning
      input:
        topics: [clicks]
      processors:
        - filter: value.amount > 10
        - mask:
            fields:
              - field: card
                mode: keep_last
      outputs:
        - name: clean
          topic: clicks_clean
      errors:
        dead_letter_topic: clicks_dead
      """;

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;
  private MillraceServer server;

  @BeforeEach
  void start() throws Exception {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    server =
        MillraceServer.start(
            new ServerConfigReader(Map.<String, String>of()::get)
                .read(Optional.empty(), new CommandLineOverrides(dir.resolve("data"), 0, 0)));
  }

  @AfterEach
  void stop() throws Exception {
    System.setOut(originalOut);
    System.setErr(originalErr);
    server.close();
  }

  private String http() {
    return "127.0.0.1:" + server.httpPort();
  }

  private String bootstrap() {
    return "127.0.0.1:" + server.kafkaPort();
  }

  @Test
  void shouldCleanRecordsFromAKafkaProducerIntoTopicsAKafkaConsumerReads() throws Exception {
    produce(
        "clicks",
        List.of(
            "{\"amount\": 50, \"card\": \"4111111111111234\"}",
            "{\"amount\": 5, \"card\": \"4111111111111111\"}",
            "this is not json",
            "{\"amount\": 11, \"card\": \"5500000000000004\"}"));
    Path file = Files.writeString(dir.resolve("cleaning.yaml"), PIPELINE);

    assertThat(MillraceCli.execute("pipeline", "deploy", file.toString(), "--http", http()))
        .as(err.toString(StandardCharsets.UTF_8))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("deployed cleaning");

    List<ConsumerRecord<String, String>> clean = consume("clicks_clean", 2);
    assertThat(clean)
        .extracting(ConsumerRecord::value)
        .containsExactly(
            "{\"amount\":50,\"card\":\"************1234\"}",
            "{\"amount\":11,\"card\":\"************0004\"}");
    List<ConsumerRecord<String, String>> dead = consume("clicks_dead", 1);
    assertThat(dead.get(0).value()).isEqualTo("this is not json");
    assertThat(header(dead.get(0), "millrace.dlq.pipeline")).isEqualTo("cleaning");
    assertThat(header(dead.get(0), "millrace.dlq.source.offset")).isEqualTo("2");

    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(
                          admin
                              .listConsumerGroupOffsets(
                                  Map.of(
                                      "millrace-pipeline-cleaning",
                                      new ListConsumerGroupOffsetsSpec()))
                              .partitionsToOffsetAndMetadata()
                              .get()
                              .get(new TopicPartition("clicks", 0))
                              .offset())
                      .isEqualTo(4));
    }

    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + http() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains(
            "millrace_pipeline_records_in_total{partition=\"0\",pipeline=\"cleaning\",topic=\"clicks\"} 4.0",
            "millrace_pipeline_dead_letters_total{partition=\"0\",pipeline=\"cleaning\",topic=\"clicks\"} 1.0",
            "millrace_pipeline_lag{partition=\"0\",pipeline=\"cleaning\",topic=\"clicks\"} 0.0");

    out.reset();
    assertThat(MillraceCli.execute("pipeline", "list", "--http", http())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("cleaning").contains("RUNNING");
    out.reset();
    assertThat(MillraceCli.execute("pipeline", "status", "cleaning", "--http", http())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("clicks-0");

    assertThat(MillraceCli.execute("pipeline", "stop", "cleaning", "--http", http())).isZero();
    out.reset();
    assertThat(MillraceCli.execute("pipeline", "list", "--http", http())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("cleaning");
  }

  @Test
  void shouldRefuseABadPipelineWithEveryProblemAtItsPosition() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.yaml"), PIPELINE.replace("value.amount > 10", "value.amount >"));

    assertThat(MillraceCli.execute("pipeline", "deploy", file.toString(), "--http", http()))
        .isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(file + ":5:");

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + http() + "/pipelines?file=x.yaml"))
                    .header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofString("name: [unclosed"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_pipeline\"", "\"line\":1");
    assertThat(server.pipelines().list()).isEmpty();
  }

  @Test
  void shouldReplayDeadLettersIntoTheirSourceTopicAfterAFix() throws Exception {
    String strict =
        """
        name: totals
        input:
          topics: [orders]
        processors:
          - map:
              set:
                total: value.amount * value.qty
        outputs:
          - name: out
            topic: orders_total
        errors:
          dead_letter_topic: orders_dead
        """;
    produce("orders", List.of("{\"amount\": 2, \"qty\": 3}", "{\"amount\": 5}"));
    Path file = Files.writeString(dir.resolve("totals.yaml"), strict);
    assertThat(MillraceCli.execute("pipeline", "deploy", file.toString(), "--http", http()))
        .isZero();
    assertThat(consume("orders_dead", 1).get(0).value()).isEqualTo("{\"amount\": 5}");

    Files.writeString(
        file,
        strict.replace(
            "value.amount * value.qty", "'value.amount * (has(value.qty) ? value.qty : 1)'"));
    assertThat(MillraceCli.execute("pipeline", "deploy", file.toString(), "--http", http()))
        .as(() -> err.toString(StandardCharsets.UTF_8))
        .isZero();
    out.reset();
    assertThat(MillraceCli.execute("dlq", "replay", "orders_dead", "-b", bootstrap())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("replayed 1 record from orders_dead");

    List<ConsumerRecord<String, String>> totals = consume("orders_total", 2);
    assertThat(totals)
        .extracting(ConsumerRecord::value)
        .containsExactly("{\"amount\":2,\"qty\":3,\"total\":6}", "{\"amount\":5,\"total\":5}");
    assertThat(totals.get(1).headers().toArray()).isEmpty();

    out.reset();
    assertThat(MillraceCli.execute("dlq", "replay", "orders_dead", "-b", bootstrap())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("replayed 0 records from orders_dead");
  }

  @Test
  void shouldServeTheLatestValuePerKeyFromAPipelineViewOutput() throws Exception {
    String profiles =
        """
        name: profiles
        input:
          topics: [profile_updates]
        processors:
          - key: "has(value.user) ? value.user : null"
          - mask:
              fields:
                - field: email
                  mode: remove
        outputs:
          - name: latest
            view: user_profiles
        errors:
          dead_letter_topic: profile_dead
        """;
    produce(
        "profile_updates",
        List.of(
            "{\"user\": \"ada\", \"plan\": \"free\", \"email\": \"ada@example.com\"}",
            "{\"user\": \"bob\", \"plan\": \"pro\"}",
            "{\"user\": \"ada\", \"plan\": \"pro\", \"email\": \"ada@example.com\"}",
            "{\"plan\": \"no user\"}"));
    Path file = Files.writeString(dir.resolve("profiles.yaml"), profiles);
    assertThat(MillraceCli.execute("pipeline", "deploy", file.toString(), "--http", http()))
        .as(() -> err.toString(StandardCharsets.UTF_8))
        .isZero();

    HttpClient client = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> ada =
                  client.send(
                      HttpRequest.newBuilder(
                              URI.create("http://" + http() + "/views/user_profiles/ada"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(ada.statusCode()).isEqualTo(200);
              assertThat(ada.body()).contains("\"plan\":\"pro\"").doesNotContain("email");
            });
    HttpResponse<String> bob =
        client.send(
            HttpRequest.newBuilder(URI.create("http://" + http() + "/views/user_profiles/bob"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bob.body()).contains("\"plan\":\"pro\"");
    // A record the key processor left without a key cannot be upserted: a dead letter.
    ConsumerRecord<String, String> dead = consume("profile_dead", 1).get(0);
    assertThat(header(dead, "millrace.dlq.processor")).isEqualTo("output:latest");
  }

  private void produce(String topic, List<String> values) throws Exception {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
      for (String value : values) {
        producer.send(new ProducerRecord<>(topic, value)).get();
      }
    }
  }

  private List<ConsumerRecord<String, String>> consume(String topic, int count) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    assertThat(records).hasSize(count);
    return records;
  }

  private static String header(ConsumerRecord<String, String> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
