package io.millrace.server.cli;

import static io.millrace.server.cli.ServerProcessTest.drain;
import static io.millrace.server.cli.ServerProcessTest.httpPortOf;
import static io.millrace.server.cli.ServerProcessTest.startMillrace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of {@code millrace run PIPELINE} while a Java producer sends with acks=all and the
 * pipeline processes: after restarts, every acknowledged input record has its output (at least
 * once; duplicates are counted and allowed).
 */
@Tag("system")
class PipelineCrashTest {

  private static final String PIPELINE =
      """
      name: crashing
      input:
        topics: [events]
      processors:
        - map:
            set:
              doubled: value.seq * 2
      outputs:
        - name: out
          topic: events_out
      """;
  private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

  @TempDir Path dir;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void shouldLoseNoAcknowledgedRecordAcrossKillMinus9() throws Exception {
    Path data = dir.resolve("data");
    Path pipeline = Files.writeString(dir.resolve("crashing.yaml"), PIPELINE);
    int kafkaPort = freePort();
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    long seq = 0;
    for (int round = 0; round < 3; round++) {
      Process server = start(data, pipeline, kafkaPort);
      KafkaProducer<String, String> producer = producer(kafkaPort);
      try {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        while (System.nanoTime() < deadline) {
          long value = seq++;
          producer.send(
              new ProducerRecord<>("events", "{\"seq\":" + value + "}"),
              (metadata, error) -> {
                if (error == null) {
                  acknowledged.add(value);
                }
              });
        }
        new ProcessBuilder("kill", "-9", Long.toString(server.pid())).start().waitFor();
        server.waitFor(30, TimeUnit.SECONDS);
      } finally {
        // Records not acknowledged before the kill are abandoned, not waited for.
        producer.close(Duration.ZERO);
      }
    }
    assertThat(acknowledged).isNotEmpty();

    Process server = start(data, pipeline, kafkaPort);
    try {
      Map<Long, Integer> seen = new HashMap<>();
      try (KafkaConsumer<String, String> consumer = consumer(kafkaPort)) {
        TopicPartition out = new TopicPartition("events_out", 0);
        consumer.assign(List.of(out));
        consumer.seekToBeginning(List.of(out));
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  for (ConsumerRecord<String, String> record :
                      consumer.poll(Duration.ofMillis(200))) {
                    Matcher matcher = SEQ.matcher(record.value());
                    assertThat(matcher.find()).as(record.value()).isTrue();
                    seen.merge(Long.parseLong(matcher.group(1)), 1, Integer::sum);
                  }
                  return seen.keySet().containsAll(acknowledged);
                });
      }
      long duplicates = seen.values().stream().filter(count -> count > 1).count();
      System.out.printf(
          "pipeline crash test: %d acknowledged, %d distinct outputs, %d duplicated%n",
          acknowledged.size(), seen.size(), duplicates);
    } finally {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Process start(Path data, Path pipeline, int kafkaPort) throws Exception {
    Process process =
        startMillrace(
            Map.of(),
            "run",
            pipeline.toString(),
            "--data-dir",
            data.toString(),
            "--kafka-port",
            Integer.toString(kafkaPort),
            "--http-port",
            "0");
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    drain(process, lines, ready);
    ready.get(60, TimeUnit.SECONDS);
    assertThat(status(httpPortOf(lines))).contains("\"state\":\"RUNNING\"");
    return process;
  }

  private static String status(int httpPort) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/pipelines/crashing"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static KafkaProducer<String, String> producer(int port) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(int port) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
  }
}
