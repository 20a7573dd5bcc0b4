package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.kafka.testing.RawKafkaConnection;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on the Kafka port: every case is answered with an error or a clean close, the server
 * keeps serving other clients, and nothing already stored is lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputTest {

  @TempDir Path dataDir;
  private Log log;
  private KafkaListener listener;

  @BeforeEach
  void start() throws Exception {
    log = Log.open(LogOptions.defaults(dataDir));
    listener =
        KafkaListener.start(
            log, KafkaListenerConfig.defaults().withPort(0).withMaxRequestBytes(1024 * 1024));
  }

  @AfterEach
  void stop() throws Exception {
    listener.close();
    log.close();
  }

  @Test
  void shouldCloseTheConnectionOnAGarbledHeader() throws Exception {
    try (RawKafkaConnection connection = connect()) {
      byte[] garbage = new byte[40];
      new Random(7).nextBytes(garbage);
      garbage[0] = 0x7f; // an API key no Kafka version has
      connection.sendFrame(garbage);
      assertThat(connection.readFrame()).isEmpty();
    }
    assertStillServes();
  }

  @Test
  void shouldCloseTheConnectionOnAnOversizedFrame() throws Exception {
    try (RawKafkaConnection connection = connect()) {
      connection.sendRaw(ByteBuffer.allocate(4).putInt(512 * 1024 * 1024).array());
      assertThat(connection.readFrame()).isEmpty();
    }
    assertStillServes();
  }

  @Test
  void shouldSurviveATruncatedFrame() throws Exception {
    try (RawKafkaConnection connection = connect()) {
      connection.sendRaw(ByteBuffer.allocate(4).putInt(100).array());
      connection.sendRaw(new byte[30]);
    }
    assertStillServes();
  }

  @Test
  void shouldAnswerAnUnimplementedApiWithUnsupportedVersion() throws Exception {
    DescribeAclsRequest request =
        new DescribeAclsRequest.Builder(AclBindingFilter.ANY)
            .build(ApiKeys.DESCRIBE_ACLS.latestVersion());
    AbstractResponse response = roundTrip(request, ApiKeys.DESCRIBE_ACLS);
    assertThat(response.errorCounts()).containsKey(Errors.UNSUPPORTED_VERSION);
  }

  @Test
  void shouldAnswerApiVersionsOfAnUnknownVersionWithTheSupportedRange() throws Exception {
    try (RawKafkaConnection connection = connect()) {
      // A header v1 by hand (kafka-clients will not build a version it does not know): api key,
      // version, correlation id, client id; a client from the future may send any body.
      byte[] clientId = "test".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ByteBuffer frame = ByteBuffer.allocate(2 + 2 + 4 + 2 + clientId.length + 8);
      frame.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 99).putInt(42);
      frame.putShort((short) clientId.length).put(clientId).putLong(0);
      connection.sendFrame(frame.array());
      ByteBuffer answer = ByteBuffer.wrap(connection.readFrame().orElseThrow());
      assertThat(ResponseHeader.parse(answer, (short) 0).correlationId()).isEqualTo(42);
      ApiVersionsResponse response =
          (ApiVersionsResponse)
              AbstractResponse.parseResponse(
                  ApiKeys.API_VERSIONS,
                  new org.apache.kafka.common.protocol.ByteBufferAccessor(answer),
                  (short) 0);
      assertThat(response.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
      assertThat(response.data().apiKeys().find(ApiKeys.PRODUCE.id)).isNotNull();
    }
  }

  @Test
  void shouldRefuseACorruptBatchWithoutStoringAnything() throws Exception {
    log.createTopic("t", 1, Map.of());
    MemoryRecords records =
        MemoryRecords.withRecords(
            Compression.NONE, new SimpleRecord("k".getBytes(), "v".getBytes()));
    ByteBuffer damaged = records.buffer().duplicate();
    damaged.put(damaged.limit() - 1, (byte) (damaged.get(damaged.limit() - 1) ^ 0x1));
    ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
    data.topicData()
        .add(
            new ProduceRequestData.TopicProduceData()
                .setName("t")
                .setPartitionData(
                    List.of(
                        new ProduceRequestData.PartitionProduceData()
                            .setIndex(0)
                            .setRecords(MemoryRecords.readableRecords(damaged)))));
    short version = 12; // by name; v13 addresses topics by id
    AbstractResponse response =
        roundTrip(
            new ProduceRequest.Builder(version, version, data).build(version), ApiKeys.PRODUCE);
    assertThat(response.errorCounts()).containsKey(Errors.CORRUPT_MESSAGE);
    assertThat(log.partition(new io.millrace.log.TopicPartition("t", 0)).logEndOffset()).isZero();
  }

  /**
   * Seeded fuzzing of the request decoder: valid Metadata, Produce and ApiVersions requests with
   * random bytes flipped, cut or inserted. The server must answer or close each connection and go
   * on serving; data produced before must stay intact.
   */
  @Test
  void shouldSurviveFuzzedRequests() throws Exception {
    long seed = Long.getLong("millrace.seed", System.nanoTime());
    Random random = new Random(seed);
    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>("kept", "before", "fuzzing")).get();
    }
    List<ByteBuffer> valid = validRequests();
    try {
      for (int i = 0; i < 300; i++) {
        byte[] frame =
            RawKafkaConnection.toArray(valid.get(random.nextInt(valid.size())).duplicate());
        byte[] mutated = mutate(frame, random);
        try (RawKafkaConnection connection = connect()) {
          connection.setReadTimeoutMs(2000);
          connection.sendFrame(mutated);
          try {
            connection.readFrame(); // an answer or a close: both are fine, a hang is not
          } catch (SocketTimeoutException e) {
            // A frame cut short leaves the server waiting for the rest, as it should.
          }
        }
      }
      assertStillServes();
      assertThat(log.partition(new io.millrace.log.TopicPartition("kept", 0)).logEndOffset())
          .isEqualTo(2);
    } catch (AssertionError | Exception e) {
      throw new AssertionError(
          "fuzz failed with seed " + seed + " (replay: -Dmillrace.seed=" + seed + ")", e);
    }
  }

  private static byte[] mutate(byte[] frame, Random random) {
    byte[] copy = frame.clone();
    switch (random.nextInt(3)) {
      case 0 -> {
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          copy[random.nextInt(copy.length)] ^= (byte) (1 + random.nextInt(255));
        }
        return copy;
      }
      case 1 -> {
        return java.util.Arrays.copyOf(copy, Math.max(1, random.nextInt(copy.length)));
      }
      default -> {
        byte[] longer = java.util.Arrays.copyOf(copy, copy.length + 1 + random.nextInt(16));
        for (int i = copy.length; i < longer.length; i++) {
          longer[i] = (byte) random.nextInt();
        }
        return longer;
      }
    }
  }

  private List<ByteBuffer> validRequests() {
    ProduceRequestData produce = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
    produce
        .topicData()
        .add(
            new ProduceRequestData.TopicProduceData()
                .setName("fuzz")
                .setPartitionData(
                    List.of(
                        new ProduceRequestData.PartitionProduceData()
                            .setIndex(0)
                            .setRecords(
                                MemoryRecords.withRecords(
                                    Compression.NONE,
                                    new SimpleRecord("k".getBytes(), "v".getBytes()))))));
    short produceVersion = 12;
    return List.of(
        new MetadataRequest(new MetadataRequestData().setTopics(null), (short) 12)
            .serializeWithHeader(new RequestHeader(ApiKeys.METADATA, (short) 12, "fuzz", 1)),
        new ProduceRequest.Builder(produceVersion, produceVersion, produce)
            .build(produceVersion)
            .serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, produceVersion, "fuzz", 2)),
        new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 3)
            .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "fuzz", 3)));
  }

  private AbstractResponse roundTrip(AbstractRequest request, ApiKeys key) throws IOException {
    RequestHeader header = new RequestHeader(key, request.version(), "test", 7);
    try (RawKafkaConnection connection = connect()) {
      return connection.roundTrip(request, header);
    }
  }

  private void assertStillServes() throws Exception {
    try (KafkaProducer<String, String> producer = producer()) {
      assertThat(producer.send(new ProducerRecord<>("kept", "after", "bad input")).get().offset())
          .isNotNegative();
    }
  }

  private KafkaProducer<String, String> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + listener.port());
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private RawKafkaConnection connect() throws IOException {
    return new RawKafkaConnection(listener.port());
  }
}
