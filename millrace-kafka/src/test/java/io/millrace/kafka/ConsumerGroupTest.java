package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Consumer groups with the real Java client: subscription, rebalance, commits, admin. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsumerGroupTest {

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

  @Test
  void shouldSharePartitionsAcrossThreeConsumersAndRebalanceWhenOneLeaves() throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic("events", 6, (short) 1))).all().get();
    }
    produce("events", 0, 600);

    Map<String, String> seenBy = new ConcurrentHashMap<>();
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      workers.add(new Worker("c" + i, "events", "group-a", seenBy));
    }
    workers.forEach(Worker::start);
    await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 600);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> workers.stream().allMatch(w -> w.assignment.size() == 2));

    workers.get(0).stopAndJoin(); // leaves the group: its partitions move to the other two
    produce("events", 600, 300);
    await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 900);
    assertThat(workers.get(1).assignment.size() + workers.get(2).assignment.size()).isEqualTo(6);
    workers.get(1).stopAndJoin();
    workers.get(2).stopAndJoin();

    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("group-a").partitionsToOffsetAndMetadata().get();
      assertThat(committed).hasSize(6);
      assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
          .isEqualTo(900);
      assertThat(admin.listGroups().all().get()).anyMatch(g -> g.groupId().equals("group-a"));
      ConsumerGroupDescription description =
          admin.describeConsumerGroups(List.of("group-a")).all().get().get("group-a");
      assertThat(description.members()).isEmpty();
      admin.deleteConsumerGroups(List.of("group-a")).all().get();
      assertThat(admin.listConsumerGroupOffsets("group-a").partitionsToOffsetAndMetadata().get())
          .isEmpty();
    }
  }

  @Test
  void shouldResumeFromCommittedOffsetsAfterRestartOfTheServer() throws Exception {
    produce("orders", 0, 100);
    try (KafkaConsumer<String, String> consumer = consumer("group-b", null)) {
      consumer.subscribe(List.of("orders"));
      int read = 0;
      while (read < 100) {
        read += consumer.poll(Duration.ofMillis(200)).count();
      }
      consumer.commitSync();
    }
    listener.close();
    log.close();
    log = Log.open(LogOptions.defaults(dataDir));
    listener = KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0));
    produce("orders", 100, 10);
    try (KafkaConsumer<String, String> consumer = consumer("group-b", null)) {
      consumer.subscribe(List.of("orders"));
      List<String> values = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (values.size() < 10 && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
      assertThat(values)
          .containsExactly(
              "v100", "v101", "v102", "v103", "v104", "v105", "v106", "v107", "v108", "v109");
    }
  }

  @Test
  void shouldKeepAStaticMembersPartitionsWhenItRestartsWithinItsSession() throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic("static", 2, (short) 1))).all().get();
    }
    KafkaConsumer<String, String> second = consumer("group-c", "instance-2");
    try (KafkaConsumer<String, String> first = consumer("group-c", "instance-1")) {
      first.subscribe(List.of("static"));
      second.subscribe(List.of("static"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                first.poll(Duration.ofMillis(100));
                second.poll(Duration.ofMillis(100));
                return first.assignment().size() == 1 && second.assignment().size() == 1;
              });
      Set<TopicPartition> before = Set.copyOf(second.assignment());
      second.close(); // a static member does not leave the group on close
      try (KafkaConsumer<String, String> again = consumer("group-c", "instance-2")) {
        again.subscribe(List.of("static"));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  first.poll(Duration.ofMillis(100));
                  again.poll(Duration.ofMillis(100));
                  return again.assignment().size() == 1;
                });
        assertThat(again.assignment()).isEqualTo(before);
      }
    }
  }

  /**
   * A consumer thread that records which records it saw and commits after each poll. Delivery is at
   * least once, as with Kafka: records polled but not committed before a rebalance are delivered
   * again to their new owner, so the test checks that every record is seen.
   */
  private final class Worker extends Thread {
    final String topic;
    final String group;
    final Map<String, String> seenBy;
    final AtomicBoolean running = new AtomicBoolean(true);
    volatile Set<TopicPartition> assignment = Set.of();

    Worker(String name, String topic, String group, Map<String, String> seenBy) {
      super(name);
      this.topic = topic;
      this.group = group;
      this.seenBy = seenBy;
    }

    @Override
    public void run() {
      try (KafkaConsumer<String, String> consumer = consumer(group, null)) {
        consumer.subscribe(List.of(topic));
        while (running.get()) {
          for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
            seenBy.putIfAbsent(record.value(), getName());
          }
          try {
            consumer.commitSync();
          } catch (RebalanceInProgressException | CommitFailedException e) {
            // As with Kafka: the next poll rejoins; uncommitted records are delivered again.
          }
          assignment = Set.copyOf(consumer.assignment());
        }
      }
    }

    void stopAndJoin() throws InterruptedException {
      running.set(false);
      join(30_000);
    }
  }

  private void produce(String topic, int from, int count) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < from + count; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
      }
      producer.flush();
    }
  }

  private KafkaConsumer<String, String> consumer(String group, String instanceId) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    if (instanceId != null) {
      props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
    }
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  private Admin admin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            "30000"));
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
