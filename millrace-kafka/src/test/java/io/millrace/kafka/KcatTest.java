package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.offsets.GroupOffsetStore;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kcat 1.7.1 (librdkafka 2.0.2, Debian's kcat) producing, consuming, consuming in a group and
 * listing metadata against the listener. .ci/run installs it; on a machine without it the tests are
 * skipped, except in CI where its absence is a failure.
 */
@Tag("system")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KcatTest {

  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

  /** Record and key delimiters for kcat -P: the only byte values the random payloads leave out. */
  private static final byte RECORD_DELIMITER = 0x1e;

  private static final byte KEY_DELIMITER = 0x1f;

  private static final int PARTITIONS = 3;

  @TempDir Path dir;
  private Log log;
  private KafkaListener listener;
  private ExternalClient clients;

  @BeforeEach
  void start() throws Exception {
    ExternalClient.requireInstalled(
        ExternalClient.runsCleanly("kcat", "-V"), "kcat", "apt-get install kcat");
    log = Log.open(LogOptions.defaults(dir.resolve("data")));
    listener = KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0));
    clients = new ExternalClient(dir);
  }

  @AfterEach
  void stop() throws Exception {
    if (listener != null) {
      listener.close();
    }
    if (log != null) {
      log.close();
    }
  }

  private String bootstrap() {
    return "127.0.0.1:" + listener.port();
  }

  private List<String> kcat(String... arguments) {
    List<String> command = new ArrayList<>(List.of("kcat", "-b", bootstrap()));
    command.addAll(List.of(arguments));
    return command;
  }

  /**
   * What a test expects of one record. Headers are name/value pairs in order, values may be null.
   */
  private record Expected(
      int partition, byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers) {}

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void shouldStoreWhatAnIdempotentKcatProducerSentByteIdenticalWithEachCodec(String codec)
      throws Exception {
    String topic = "kcat-" + codec;
    log.createTopic(topic, PARTITIONS, Map.of());
    long seed = 1_000 + codec.hashCode();
    Random random = new Random(seed);
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    var input = new ByteArrayOutputStream();
    for (int i = 0; i < 300; i++) {
      byte[] key =
          concat(("key-" + i + "-").getBytes(StandardCharsets.US_ASCII), payload(random, 8));
      // Random bytes then repeated text: librdkafka sends a batch uncompressed when compressing
      // does not make it smaller, and this test must see each codec on the wire.
      byte[] value =
          concat(
              i == 0 ? everyByteValue() : payload(random, 64),
              ("value-" + i + ";")
                  .repeat(1 + random.nextInt(100))
                  .getBytes(StandardCharsets.US_ASCII));
      keys.add(key);
      values.add(value);
      input.write(key);
      input.write(KEY_DELIMITER);
      input.write(value);
      input.write(RECORD_DELIMITER);
    }

    ExternalClient.Result produced =
        clients.run(
            kcat(
                "-P",
                "-t",
                topic,
                "-D",
                "\\x1e",
                "-K",
                "\\x1f",
                "-z",
                codec,
                "-X",
                "acks=all",
                "-X",
                "enable.idempotence=true",
                "-X",
                "linger.ms=20",
                "-H",
                "trace=t-123",
                "-H",
                "noval",
                "-H",
                "empty=",
                "-H",
                "dup=1",
                "-H",
                "dup=2",
                "-H",
                "eq=a=b"),
            input.toByteArray(),
            CLIENT_TIMEOUT);
    assertThat(produced.exitCode()).as(produced.describe()).isZero();

    List<Map.Entry<String, byte[]>> headers =
        List.of(
            header("trace", "t-123"),
            header("noval", null),
            header("empty", ""),
            header("dup", "1"),
            header("dup", "2"),
            header("eq", "a=b"));
    Map<String, Expected> expected = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      // librdkafka's default partitioner (consistent_random) puts a keyed record on
      // CRC-32(key) % partitions; the Java client's murmur2 would choose differently.
      expected.put(
          hex(keys.get(i)),
          new Expected(crc32Partition(keys.get(i)), keys.get(i), values.get(i), headers));
    }
    Map<String, Expected> stored = readWithJavaConsumer(topic, keys.size());
    assertThat(stored.keySet()).as("seed %d", seed).isEqualTo(expected.keySet());
    for (Map.Entry<String, Expected> entry : expected.entrySet()) {
      assertSameRecord(stored.get(entry.getKey()), entry.getValue());
    }

    int codecId = List.of("none", "gzip", "snappy", "lz4", "zstd").indexOf(codec);
    for (PartitionLog partition : log.partitions(topic)) {
      assertThat(partition.logEndOffset()).as("records on %s", partition).isPositive();
      ByteBuffer batches = partition.read(0, Integer.MAX_VALUE).read();
      for (int position = 0; position < batches.limit(); ) {
        assertThat(BatchLayout.compressionId(batches, position)).isEqualTo(codecId);
        assertThat(batches.getLong(position + BatchLayout.PRODUCER_ID))
            .as("idempotent batches carry a producer id")
            .isNotNegative();
        assertThat(batches.getInt(position + BatchLayout.BASE_SEQUENCE)).isNotNegative();
        position += BatchLayout.sizeInBytes(batches, position);
      }
    }
  }

  /**
   * Without idempotence librdkafka keeps up to a million requests in flight per connection: many
   * small batches pipelined on one connection, with each acks setting (acks=0 gets no answers).
   */
  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "all"})
  void shouldStoreEveryRecordOnceFromAPipeliningKcatProducer(String acks) throws Exception {
    String topic = "pipelined-acks-" + acks;
    log.createTopic(topic, PARTITIONS, Map.of());
    int count = 20_000;
    StringBuilder input = new StringBuilder();
    for (int i = 0; i < count; i++) {
      input.append('k').append(i).append(":v").append(i).append('\n');
    }
    ExternalClient.Result produced =
        clients.run(
            kcat(
                "-P",
                "-t",
                topic,
                "-K",
                ":",
                "-X",
                "acks=" + acks,
                "-X",
                "linger.ms=0",
                "-X",
                "batch.num.messages=50"),
            input.toString().getBytes(StandardCharsets.US_ASCII),
            CLIENT_TIMEOUT);
    assertThat(produced.exitCode()).as(produced.describe()).isZero();
    // acks=0: kcat may exit before the listener has appended the last batches.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                log.partitions(topic).stream().mapToLong(PartitionLog::logEndOffset).sum()
                    == count);

    ExternalClient.Result consumed =
        clients.run(
            kcat("-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k %s\n"),
            new byte[0],
            CLIENT_TIMEOUT);
    assertThat(consumed.exitCode()).as(consumed.describe()).isZero();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      expected.add("k" + i + " v" + i);
    }
    assertThat(consumed.stdoutText().lines().toList())
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void shouldHandKcatWhatTheJavaProducerWroteByteIdentical() throws Exception {
    String topic = "java-written";
    log.createTopic(topic, PARTITIONS, Map.of());
    Random random = new Random(7);
    Map<String, Expected> sent = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = javaProducer()) {
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        byte[] key = i % 10 == 0 ? null : concat(new byte[] {(byte) i}, payload(random, 12));
        byte[] value = i == 1 ? everyByteValue() : fullRangePayload(random, 3_000);
        List<Header> headers =
            List.of(new RecordHeader("n", ("h" + i).getBytes(StandardCharsets.US_ASCII)));
        records.add(new ProducerRecord<>(topic, i % PARTITIONS, key, value, headers));
      }
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> record : records) {
        acks.add(producer.send(record));
      }
      for (int i = 0; i < records.size(); i++) {
        RecordMetadata metadata = acks.get(i).get(30, TimeUnit.SECONDS);
        String position = metadata.partition() + "@" + metadata.offset();
        ProducerRecord<byte[], byte[]> record = records.get(i);
        sent.put(
            position,
            new Expected(
                metadata.partition(), record.key(), record.value(), List.of(header("n", "h" + i))));
      }
    }

    ExternalClient.Result consumed =
        clients.run(
            kcat("-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p %o %K %S %h\n%k%s"),
            new byte[0],
            CLIENT_TIMEOUT);
    assertThat(consumed.exitCode()).as(consumed.describe()).isZero();
    Map<String, Expected> received = parseKcatOutput(consumed.stdout());
    assertThat(received.keySet()).isEqualTo(sent.keySet());
    for (Map.Entry<String, Expected> entry : sent.entrySet()) {
      assertSameRecord(received.get(entry.getKey()), entry.getValue());
    }
  }

  @Test
  void shouldCommitTheOffsetsOfAKcatGroupConsumer() throws Exception {
    String topic = "grouped";
    log.createTopic(topic, PARTITIONS, Map.of());
    produceWithJava(topic, 0, 90);

    ExternalClient.Result consumed =
        clients.run(
            kcat(
                "-G",
                "kcat-readers",
                topic,
                "-e",
                "-q",
                "-f",
                "%p %o %s\n",
                "-X",
                "auto.offset.reset=earliest"),
            new byte[0],
            CLIENT_TIMEOUT);
    assertThat(consumed.exitCode()).as(consumed.describe()).isZero();
    assertThat(consumed.stdoutText().lines().sorted())
        .as(consumed.describe())
        .containsExactlyInAnyOrderElementsOf(expectedLines(0, 90));
    // kcat commits what it consumed when it closes the consumer on exit.
    assertCommitted("kcat-readers", topic, 30);
  }

  /**
   * Regression: librdkafka commits the offsets of the partitions it gives up before it rejoins, so
   * when a second member joins, the first member's commit arrives while the group is preparing the
   * rebalance. The coordinator refused it with REBALANCE_IN_PROGRESS (kcat logged COMMITFAIL), so
   * the new owner of a partition started from auto.offset.reset and read its records a second time.
   * Auto-commit is slowed right down so that the commit on revoke is the one that counts.
   */
  @Test
  void shouldKeepTheCommitOfAMemberThatGivesUpPartitionsWhenASecondMemberJoins() throws Exception {
    String topic = "rebalanced";
    log.createTopic(topic, PARTITIONS, Map.of());
    produceWithJava(topic, 0, 60);
    List<String> member =
        kcat(
            "-G",
            "rebalancers",
            topic,
            "-u", // unbuffered: the test reads the output while kcat runs
            "-f",
            "%p %o %s\n",
            "-X",
            "auto.offset.reset=earliest",
            "-X",
            "auto.commit.interval.ms=600000",
            "-X",
            "heartbeat.interval.ms=300",
            "-X",
            "session.timeout.ms=10000");
    try (ExternalClient.Background first = clients.start(member)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(first.stdoutSoFar().lines()).as(first.stderrSoFar()).hasSize(60));
      try (ExternalClient.Background second = clients.start(member)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertCommitted("rebalancers", topic, 20));
        produceWithJava(topic, 60, 30);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    first.stdoutSoFar().lines().count() + second.stdoutSoFar().lines().count()
                        >= 90);
        List<String> lines = new ArrayList<>(first.stdoutSoFar().lines().toList());
        lines.addAll(second.stdoutSoFar().lines().toList());
        assertThat(lines)
            .as("first:\n%s\nsecond:\n%s", first.stderrSoFar(), second.stderrSoFar())
            .containsExactlyInAnyOrderElementsOf(expectedLines(0, 90));
        assertThat(first.stderrSoFar()).doesNotContain("COMMITFAIL");
        second.stop(CLIENT_TIMEOUT);
      }
      first.stop(CLIENT_TIMEOUT);
    }
    assertCommitted("rebalancers", topic, 30);
  }

  @Test
  void shouldListBrokerTopicsAndPartitionsWithKcatMetadata() throws Exception {
    log.createTopic("listed", PARTITIONS, Map.of());
    log.createTopic("single", 1, Map.of());

    ExternalClient.Result all = clients.run(kcat("-L"), new byte[0], CLIENT_TIMEOUT);
    assertThat(all.exitCode()).as(all.describe()).isZero();
    assertThat(all.stdoutText())
        .contains(" 1 brokers:\n  broker 0 at " + bootstrap() + " (controller)\n")
        .contains(
            "  topic \"listed\" with 3 partitions:\n"
                + "    partition 0, leader 0, replicas: 0, isrs: 0\n"
                + "    partition 1, leader 0, replicas: 0, isrs: 0\n"
                + "    partition 2, leader 0, replicas: 0, isrs: 0\n")
        .contains(
            "  topic \"single\" with 1 partitions:\n"
                + "    partition 0, leader 0, replicas: 0, isrs: 0\n");

    ExternalClient.Result one =
        clients.run(kcat("-L", "-t", "listed"), new byte[0], CLIENT_TIMEOUT);
    assertThat(one.exitCode()).as(one.describe()).isZero();
    assertThat(one.stdoutText()).contains(" 1 topics:\n  topic \"listed\" with 3 partitions:");
    assertThat(one.stdoutText()).doesNotContain("single");
  }

  // ------------------------------------------------------------------------------------ helpers

  private void assertCommitted(String group, String topic, long offsetPerPartition) {
    GroupOffsetStore offsets = log.offsetStore();
    for (int partition = 0; partition < PARTITIONS; partition++) {
      assertThat(offsets.fetch(group, new io.millrace.log.TopicPartition(topic, partition)))
          .as("%s's commit on %s-%d", group, topic, partition)
          .hasValueSatisfying(
              committed -> assertThat(committed.offset()).isEqualTo(offsetPerPartition));
    }
  }

  /** kcat's "%p %o %s" lines for records "v{i}" sent by {@link #produceWithJava} to i % 3. */
  private static List<String> expectedLines(int from, int until) {
    List<Long> nextOffset = new ArrayList<>(List.of(0L, 0L, 0L));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < until; i++) {
      int partition = i % PARTITIONS;
      long offset = nextOffset.get(partition);
      nextOffset.set(partition, offset + 1);
      if (i >= from) {
        lines.add(partition + " " + offset + " v" + i);
      }
    }
    return lines;
  }

  private void produceWithJava(String topic, int from, int count) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = javaProducer()) {
      for (int i = from; i < from + count; i++) {
        producer
            .send(
                new ProducerRecord<>(
                    topic,
                    i % PARTITIONS,
                    ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8)))
            .get(30, TimeUnit.SECONDS);
      }
    }
  }

  private KafkaProducer<byte[], byte[]> javaProducer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Every record of {@code topic}, read with the Java consumer, by the hex of its key. */
  private Map<String, Expected> readWithJavaConsumer(String topic, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    Map<String, Expected> records = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int partition = 0; partition < PARTITIONS; partition++) {
        partitions.add(new TopicPartition(topic, partition));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (records.size() < count && System.nanoTime() < deadlineNs) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
          for (Header header : record.headers()) {
            headers.add(new AbstractMap.SimpleEntry<>(header.key(), header.value()));
          }
          Expected previous =
              records.put(
                  hex(record.key()),
                  new Expected(record.partition(), record.key(), record.value(), headers));
          assertThat(previous).as("key %s read twice", hex(record.key())).isNull();
        }
      }
    }
    return records;
  }

  /**
   * Parses kcat output in the format {@code "%p %o %K %S %h\n%k%s"}: a text line with partition,
   * offset, key length (-1 for null), value length and headers, then the raw key and value bytes.
   * Keyed by "partition@offset".
   */
  private static Map<String, Expected> parseKcatOutput(byte[] output) {
    Map<String, Expected> records = new HashMap<>();
    int position = 0;
    while (position < output.length) {
      int newline = position;
      while (output[newline] != '\n') {
        newline++;
      }
      String[] fields =
          new String(output, position, newline - position, StandardCharsets.US_ASCII).split(" ", 5);
      int keyLength = Integer.parseInt(fields[2]);
      int valueLength = Integer.parseInt(fields[3]);
      position = newline + 1;
      byte[] key =
          keyLength < 0 ? null : Arrays.copyOfRange(output, position, position + keyLength);
      position += Math.max(keyLength, 0);
      byte[] value = Arrays.copyOfRange(output, position, position + valueLength);
      position += valueLength;
      List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
      for (String header : fields[4].split(",")) {
        String[] nameAndValue = header.split("=", 2);
        headers.add(header(nameAndValue[0], nameAndValue[1]));
      }
      records.put(
          fields[0] + "@" + fields[1],
          new Expected(Integer.parseInt(fields[0]), key, value, headers));
    }
    return records;
  }

  private static void assertSameRecord(Expected actual, Expected expected) {
    assertThat(actual).isNotNull();
    assertThat(actual.partition()).isEqualTo(expected.partition());
    assertThat(actual.key()).isEqualTo(expected.key());
    assertThat(actual.value()).isEqualTo(expected.value());
    assertThat(actual.headers()).hasSameSizeAs(expected.headers());
    for (int i = 0; i < expected.headers().size(); i++) {
      assertThat(actual.headers().get(i).getKey()).isEqualTo(expected.headers().get(i).getKey());
      assertThat(actual.headers().get(i).getValue())
          .isEqualTo(expected.headers().get(i).getValue());
    }
  }

  /** A header as kcat and the Java client see it; a null value stays null. */
  private static Map.Entry<String, byte[]> header(String name, String value) {
    return new AbstractMap.SimpleEntry<>(
        name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  private static int crc32Partition(byte[] key) {
    CRC32 crc = new CRC32();
    crc.update(key);
    return (int) (crc.getValue() % PARTITIONS);
  }

  /** 1 to {@code maxLength} random bytes of every value except kcat -P's two delimiters. */
  private static byte[] payload(Random random, int maxLength) {
    byte[] bytes = new byte[1 + random.nextInt(maxLength)];
    for (int i = 0; i < bytes.length; i++) {
      byte b;
      do {
        b = (byte) random.nextInt(256);
      } while (b == RECORD_DELIMITER || b == KEY_DELIMITER);
      bytes[i] = b;
    }
    return bytes;
  }

  private static byte[] fullRangePayload(Random random, int maxLength) {
    byte[] bytes = new byte[1 + random.nextInt(maxLength)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** Each byte value once (but kcat -P's delimiters): NUL, newline, invalid UTF-8 and all. */
  private static byte[] everyByteValue() {
    var bytes = new ByteArrayOutputStream();
    for (int b = 0; b < 256; b++) {
      if (b != RECORD_DELIMITER && b != KEY_DELIMITER) {
        bytes.write(b);
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  private static String hex(byte[] bytes) {
    return bytes == null ? "null" : HexFormat.of().formatHex(bytes);
  }
}
