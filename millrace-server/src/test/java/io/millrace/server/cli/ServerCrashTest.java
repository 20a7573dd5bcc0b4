package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * kill -9 of a running server while a Java producer sends with acks=all: after a restart every
 * acknowledged record is there, at the offset it was acknowledged with.
 */
@Tag("system")
class ServerCrashTest {

  @TempDir Path dir;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void shouldKeepEveryAcknowledgedRecordAcrossKillMinus9() throws Exception {
    Path data = dir.resolve("data");
    int port = freePort();
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    for (int round = 0; round < 3; round++) {
      Process server = startServer(data, port);
      try (KafkaProducer<String, String> producer = producer(port)) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        int i = 0;
        while (System.nanoTime() < deadline) {
          String value = "round-" + round + "-" + i++;
          producer.send(
              new ProducerRecord<>("crash", value, value),
              (metadata, error) -> {
                if (error == null) {
                  acknowledged.put(value, metadata.offset());
                }
              });
        }
        new ProcessBuilder("kill", "-9", Long.toString(server.pid())).start().waitFor();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
    assertThat(acknowledged).isNotEmpty();

    Process server = startServer(data, port);
    try (KafkaConsumer<String, String> consumer = consumer(port)) {
      TopicPartition tp = new TopicPartition("crash", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      Map<String, Long> stored = new HashMap<>();
      while (consumer.position(tp) < end) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          stored.put(record.value(), record.offset());
        }
      }
      assertThat(stored).containsAllEntriesOf(acknowledged);
    } finally {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Process startServer(Path data, int port) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                MillraceCli.class.getName(),
                "server",
                "--data-dir",
                data.toString(),
                "--kafka-port",
                Integer.toString(port),
                "--http-port",
                "0")
            .redirectErrorStream(true)
            .start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.contains("Millrace ready")) {
                    ready.complete(null);
                  }
                }
              } catch (java.io.IOException e) {
                ready.completeExceptionally(e);
              }
              ready.completeExceptionally(new AssertionError("server exited before ready"));
            });
    reader.setDaemon(true);
    reader.start();
    ready.get(60, TimeUnit.SECONDS);
    return process;
  }

  private static KafkaProducer<String, String> producer(int port) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "3000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(int port) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }
}
