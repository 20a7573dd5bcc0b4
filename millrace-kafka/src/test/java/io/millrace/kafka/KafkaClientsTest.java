package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real Java Kafka client against the listener. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KafkaClientsTest {

  @TempDir Path dataDir;
  private Log log;
  private KafkaListener listener;

  @BeforeEach
  void start() throws Exception {
    log = Log.open(LogOptions.defaults(dataDir));
    listener = KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0));
  }

  @AfterEach
  void stop() throws Exception {
    listener.close();
    log.close();
  }

  private String bootstrap() {
    return "127.0.0.1:" + listener.port();
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void shouldRoundTripRecordsByteIdenticalWithEachCompression(String compression) throws Exception {
    String topic = "orders-" + compression;
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(compression)) {
      for (int i = 0; i < 500; i++) {
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(
                topic,
                i % 2,
                1_700_000_000_000L + i,
                ("key-" + i).getBytes(StandardCharsets.UTF_8),
                ("value-" + i).repeat(i % 7 + 1).getBytes(StandardCharsets.UTF_8),
                List.of(new RecordHeader("h" + i, ("hv" + i).getBytes(StandardCharsets.UTF_8))));
        sent.add(record);
        producer.send(record);
      }
      RecordMetadata last = producer.send(sent.get(sent.size() - 1)).get();
      assertThat(last.offset()).isEqualTo(250);
    }
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(null)) {
      consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
      consumer.seekToBeginning(consumer.assignment());
      List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (received.size() < 501 && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
      }
      assertThat(received).hasSize(501);
      for (ConsumerRecord<byte[], byte[]> got : received) {
        int i = Integer.parseInt(new String(got.key(), StandardCharsets.UTF_8).substring(4));
        ProducerRecord<byte[], byte[]> expected = sent.get(i);
        assertThat(got.partition()).isEqualTo(expected.partition());
        assertThat(got.timestamp()).isEqualTo(expected.timestamp());
        assertThat(got.value()).isEqualTo(expected.value());
        assertThat(got.headers().toArray()).containsExactly(expected.headers().toArray());
      }
    }
  }

  @Test
  void shouldSeekByTimestamp() throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
      for (int i = 0; i < 10; i++) {
        producer
            .send(new ProducerRecord<>("clicks", 0, 1000L * i, null, new byte[] {(byte) i}))
            .get();
      }
    }
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(null)) {
      TopicPartition tp = new TopicPartition("clicks", 0);
      var found = consumer.offsetsForTimes(Map.of(tp, 4500L)).get(tp);
      assertThat(found.offset()).isEqualTo(5);
      assertThat(found.timestamp()).isEqualTo(5000);
      assertThat(consumer.endOffsets(List.of(tp))).containsEntry(tp, 10L);
      assertThat(consumer.beginningOffsets(List.of(tp))).containsEntry(tp, 0L);
    }
  }

  private KafkaProducer<byte[], byte[]> producer(String compression) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<byte[], byte[]> consumer(String group) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
