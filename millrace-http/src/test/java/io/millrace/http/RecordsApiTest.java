package io.millrace.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.ManualClock;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.write.KafkaPartitioner;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /topics/{topic}/records} over real HTTP against a server on an ephemeral port. */
@Timeout(120)
class RecordsApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NDJSON = "application/x-ndjson";
  private static final String APPLICATION_JSON = "application/json";

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private Log log;
  private TopicWriter writer;
  private RecordsApi api;
  private HttpApiServer server;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void open() throws Exception {
    log = Log.open(LogOptions.defaults(dir.resolve("data")).withClock(clock));
  }

  @AfterEach
  void close() throws Exception {
    if (server != null) {
      server.close();
    }
    log.close();
  }

  private void start(HttpServerConfig config, WriterOptions writerOptions, boolean autoCreate)
      throws IOException {
    writer = new TopicWriter(log, writerOptions);
    api = new RecordsApi(log, writer, config, autoCreate, 2);
    Router.Builder routes = Router.builder();
    api.register(routes);
    server = HttpApiServer.start(config, routes.build());
  }

  private void start() throws IOException {
    start(HttpServerConfig.defaults().withPort(0), WriterOptions.DEFAULTS, false);
  }

  private record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(60));
  }

  private Reply post(String path, String contentType, String body, String... headers)
      throws Exception {
    return answer(postAsync(path, contentType, body, headers));
  }

  private CompletableFuture<HttpResponse<String>> postAsync(
      String path, String contentType, String body, String... headers) {
    HttpRequest.Builder request =
        request(path).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Reply answer(CompletableFuture<HttpResponse<String>> response) throws Exception {
    return reply(response.get());
  }

  private static Reply reply(HttpResponse<String> response) throws Exception {
    JsonNode body = response.body().isEmpty() ? null : JSON.readTree(response.body());
    return new Reply(response.statusCode(), body, response);
  }

  private Reply get(String path) throws Exception {
    return reply(client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  private PartitionLog partition(String topic, int partition) {
    return log.partition(new TopicPartition(topic, partition));
  }

  private List<LogRecord> stored(String topic, int partition) throws IOException {
    PartitionLog log = partition(topic, partition);
    List<LogRecord> records = new ArrayList<>();
    long offset = log.logStartOffset();
    while (offset < log.logEndOffset()) {
      var slice = log.read(offset, 1 << 20);
      for (LogRecord record : RecordBatches.records(slice.read())) {
        if (record.offset() >= offset) {
          records.add(record);
        }
      }
      offset = slice.nextOffset();
    }
    return records;
  }

  private static List<String> values(List<LogRecord> records) {
    return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
  }

  private void createTopic(String name, int partitions, Map<String, String> configs) {
    Map<String, String> all = new java.util.HashMap<>(Map.of("flush.policy", "os"));
    all.putAll(configs);
    log.createTopic(name, partitions, all);
  }

  // ------------------------------------------------------------------ the three body shapes

  @Test
  void shouldAppendOneObjectAndAnswerItsPartitionAndOffset() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply reply = post("/topics/events/records", APPLICATION_JSON, "{\"id\": 1, \"name\":\"a\"}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().toString())
        .isEqualTo(
            "{\"count\":1,\"partitions\":[{\"partition\":0,\"first_offset\":0,\"last_offset\":0,"
                + "\"count\":1}],\"records\":[{\"partition\":0,\"offset\":0}]}");
    assertThat(values(stored("events", 0))).containsExactly("{\"id\": 1, \"name\":\"a\"}");
  }

  @Test
  void shouldAppendEveryElementOfAnArrayInOrderWithItsBytesAsSent() throws Exception {
    start();
    createTopic("events", 1, Map.of());
    String body = "[ {\"a\":1},\n  {\"b\" : [1, 2, {\"c\":null}]} ,{\"d\":\"é\\u00e9\"} ]";

    Reply reply = post("/topics/events/records", APPLICATION_JSON, body);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("records")).hasSize(3);
    assertThat(reply.body().get("records").get(2).get("offset").asLong()).isEqualTo(2);
    assertThat(values(stored("events", 0)))
        .containsExactly("{\"a\":1}", "{\"b\" : [1, 2, {\"c\":null}]}", "{\"d\":\"é\\u00e9\"}");
  }

  @Test
  void shouldAppendA100kLineNdjsonBodyByteForByte() throws Exception {
    start();
    createTopic("bulk", 1, Map.of("max.message.bytes", Integer.toString(16 << 20)));
    StringBuilder body = new StringBuilder();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      String line = "{\"n\":" + i + ",\"payload\":\"" + "x".repeat(i % 50) + "\",\"ok\":true}";
      lines.add(line);
      body.append(line).append(i % 3 == 0 ? "\r\n" : "\n").append(i == 7 ? "\n \n" : "");
    }

    Reply reply = post("/topics/bulk/records", NDJSON, body.toString());

    assertThat(reply.status()).as(reply.raw().body()).isEqualTo(200);
    assertThat(reply.body().get("count").asInt()).isEqualTo(100_000);
    assertThat(reply.body().get("partitions").get(0).get("last_offset").asLong()).isEqualTo(99_999);
    assertThat(reply.body().has("records")).isFalse(); // over the listing limit
    assertThat(values(stored("bulk", 0))).isEqualTo(lines);
    assertThat(api.ingestBytesInUse()).isZero();
  }

  // ------------------------------------------------------------------ keys, headers, partition

  @Test
  void shouldTakeTheKeyFromAJsonPointerAndPartitionLikeKafka() throws Exception {
    start();
    createTopic("keyed", 4, Map.of());
    String body = "{\"user\":{\"id\":\"alice\"}}\n{\"user\":{\"id\":42}}\n";

    Reply reply = post("/topics/keyed/records?key_pointer=/user/id", NDJSON, body);

    assertThat(reply.status()).as(reply.raw().body()).isEqualTo(200);
    int alicePartition = KafkaPartitioner.partitionOf("alice".getBytes(StandardCharsets.UTF_8), 4);
    int fortyTwoPartition = KafkaPartitioner.partitionOf("42".getBytes(StandardCharsets.UTF_8), 4);
    assertThat(reply.body().get("records").get(0).get("partition").asInt())
        .isEqualTo(alicePartition);
    assertThat(reply.body().get("records").get(1).get("partition").asInt())
        .isEqualTo(fortyTwoPartition);
    LogRecord alice = stored("keyed", alicePartition).getFirst();
    assertThat(new String(alice.key(), StandardCharsets.UTF_8)).isEqualTo("alice");
  }

  @Test
  void shouldApplyTheKeyHeaderRecordHeadersAndExplicitPartitionToEveryRecord() throws Exception {
    start();
    createTopic("events", 3, Map.of());

    Reply reply =
        post(
            "/topics/events/records?partition=2",
            APPLICATION_JSON,
            "[{\"a\":1},{\"a\":2}]",
            "Millrace-Key",
            "k1",
            "Millrace-Header-Trace-Id",
            "abc",
            "Millrace-Header-Origin",
            "web");

    assertThat(reply.status()).as(reply.raw().body()).isEqualTo(200);
    List<LogRecord> records = stored("events", 2);
    assertThat(records).hasSize(2);
    for (LogRecord record : records) {
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("k1");
      assertThat(record.headers())
          .containsExactly(
              new LogRecord.Header("origin", "web".getBytes(StandardCharsets.UTF_8)),
              new LogRecord.Header("trace-id", "abc".getBytes(StandardCharsets.UTF_8)));
    }
  }

  // ------------------------------------------------------------------ malformed requests

  @Test
  void whenAnNdjsonLineIsMalformed_thenAnswer400WithLineAndColumnAndStoreNothing()
      throws Exception {
    start();
    createTopic("events", 1, Map.of());
    String body = "{\"a\":1}\n{\"a\":2}\n{\"a\":3,}\n{\"a\":4}\n";

    Reply reply = post("/topics/events/records", NDJSON, body);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().get("error").asText()).isEqualTo("invalid_json");
    assertThat(reply.body().get("line").asInt()).isEqualTo(3);
    assertThat(reply.body().get("column").asInt()).isEqualTo(8);
    assertThat(reply.body().get("message").asText()).startsWith("line 3, column 8: ");
    assertThat(partition("events", 0).logEndOffset()).isZero();
    assertThat(api.ingestBytesInUse()).isZero();
  }

  @Test
  void whenALargeBodyIsBadOnItsFirstLine_thenTheClientStillReadsThe400() throws Exception {
    start();
    createTopic("events", 1, Map.of());
    byte[] body =
        ("{\"id\":007}\n" + padded("rest", 10_000)) // 2 MB after the bad line
            .getBytes(StandardCharsets.UTF_8);
    HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    // Had the server not read the rest of the body, it would close the connection under a client
    // still sending, which then sees a reset instead of the answer (several times in 20 here).
    for (int attempt = 0; attempt < 20; attempt++) {
      HttpResponse<String> response =
          http11.send(
              request("/topics/events/records")
                  .header("Content-Type", NDJSON)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(response.body()).get("line").asInt()).isEqualTo(1);
    }
    assertThat(partition("events", 0).logEndOffset()).isZero();
  }

  @Test
  void whenAnArrayElementIsMalformed_thenAnswer400WithLineAndColumnAndStoreNothing()
      throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply reply = post("/topics/events/records", APPLICATION_JSON, "[{\"a\":1},\n {\"a\": tru}]");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().get("error").asText()).isEqualTo("invalid_json");
    assertThat(reply.body().get("line").asInt()).isEqualTo(2);
    assertThat(partition("events", 0).logEndOffset()).isZero();
  }

  @Test
  void whenTheBodyIsTruncated_thenAnswer400AndStoreNothing() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply reply = post("/topics/events/records", NDJSON, "{\"a\":1}\n{\"a\":");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().get("error").asText()).isEqualTo("invalid_json");
    assertThat(reply.body().get("line").asInt()).isEqualTo(2);
    assertThat(partition("events", 0).logEndOffset()).isZero();
  }

  @Test
  void whenARecordIsNotAnObject_thenAnswer400InvalidRecord() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply scalar = post("/topics/events/records", APPLICATION_JSON, "42");
    Reply inArray = post("/topics/events/records", APPLICATION_JSON, "[{\"a\":1}, [1]]");
    Reply line = post("/topics/events/records", NDJSON, "{\"a\":1}\n\"text\"\n");
    Reply twoOnALine = post("/topics/events/records", NDJSON, "{\"a\":1} {\"a\":2}\n");
    Reply trailing = post("/topics/events/records", APPLICATION_JSON, "{\"a\":1} {\"a\":2}");

    assertThat(scalar.status()).isEqualTo(400);
    assertThat(scalar.body().get("error").asText()).isEqualTo("invalid_record");
    assertThat(inArray.body().get("error").asText()).isEqualTo("invalid_record");
    assertThat(inArray.body().get("column").asInt()).isEqualTo(11);
    assertThat(line.body().get("error").asText()).isEqualTo("invalid_record");
    assertThat(line.body().get("line").asInt()).isEqualTo(2);
    assertThat(twoOnALine.body().get("error").asText()).isEqualTo("invalid_json");
    assertThat(trailing.body().get("error").asText()).isEqualTo("invalid_json");
    assertThat(partition("events", 0).logEndOffset()).isZero();
  }

  @Test
  void whenTheKeyPointerFindsNothing_thenAnswer400MissingKeyAndStoreNothing() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply reply =
        post("/topics/events/records?key_pointer=/id", NDJSON, "{\"id\":1}\n{\"other\":2}\n");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().get("error").asText()).isEqualTo("missing_key");
    assertThat(reply.body().get("line").asInt()).isEqualTo(2);
    assertThat(partition("events", 0).logEndOffset()).isZero();
  }

  @Test
  void whenTheTopicIsUnknown_thenAnswer404UnlessAutoCreateIsOn() throws Exception {
    start();
    Reply reply = post("/topics/nope/records", APPLICATION_JSON, "{\"a\":1}");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.body().get("error").asText()).isEqualTo("unknown_topic");
    assertThat(log.describeTopic("nope")).isEmpty();
    server.close();

    start(HttpServerConfig.defaults().withPort(0), WriterOptions.DEFAULTS, true);
    CompletableFuture<HttpResponse<String>> created =
        postAsync("/topics/fresh/records", APPLICATION_JSON, "{\"a\":1}");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              clock.advanceMillis(1000); // the default flush policy is group commit
              return created.isDone();
            });
    assertThat(answer(created).status()).isEqualTo(200);
    assertThat(log.describeTopic("fresh").orElseThrow().partitions()).isEqualTo(2);
  }

  @Test
  void whenTheBodyExceedsTheLimit_thenAnswer413AndStoreNothing() throws Exception {
    start(
        HttpServerConfig.defaults().withPort(0).withIngestLimits(64 * 1024, 1 << 20),
        WriterOptions.DEFAULTS,
        false);
    createTopic("events", 1, Map.of());
    String body = "{\"pad\":\"" + "y".repeat(100) + "\"}\n";
    String tooLarge = body.repeat(70 * 1024 / body.length());

    Reply declared = post("/topics/events/records", NDJSON, tooLarge);
    Reply chunked =
        reply(
            client.send(
                request("/topics/events/records")
                    .header("Content-Type", NDJSON)
                    .POST(
                        HttpRequest.BodyPublishers.ofInputStream(
                            () ->
                                new java.io.ByteArrayInputStream(
                                    tooLarge.getBytes(StandardCharsets.UTF_8))))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));

    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.body().get("error").asText()).isEqualTo("request_too_large");
    assertThat(chunked.status()).isEqualTo(413);
    assertThat(chunked.body().get("error").asText()).isEqualTo("request_too_large");
    assertThat(partition("events", 0).logEndOffset()).isZero();
    assertThat(api.ingestBytesInUse()).isZero();
  }

  @Test
  void whenTheContentTypeIsWrongOrAHeaderReserved_thenRefuse() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply text = post("/topics/events/records", "text/plain", "{\"a\":1}");
    Reply reserved =
        post(
            "/topics/events/records",
            APPLICATION_JSON,
            "{\"a\":1}",
            "Millrace-Header-Millrace-Source-Position",
            "1");
    Reply badPartition = post("/topics/events/records?partition=5", APPLICATION_JSON, "{\"a\":1}");

    assertThat(text.status()).isEqualTo(415);
    assertThat(text.body().get("error").asText()).isEqualTo("unsupported_media_type");
    assertThat(reserved.status()).isEqualTo(400);
    assertThat(reserved.body().get("error").asText()).isEqualTo("reserved_header");
    assertThat(badPartition.status()).isEqualTo(400);
    assertThat(badPartition.body().get("error").asText()).isEqualTo("invalid_partition");
    assertThat(partition("events", 0).logEndOffset()).isZero();
  }

  // ------------------------------------------------------------------ durability, backpressure

  @Test
  void shouldAnswerOnlyOnceTheGroupCommitHasMadeTheRecordsDurable() throws Exception {
    start();
    log.createTopic("durable", 1, Map.of("flush.interval.ms", "1000"));
    PartitionLog partition = partition("durable", 0);

    CompletableFuture<HttpResponse<String>> response =
        postAsync("/topics/durable/records", NDJSON, "{\"a\":1}\n{\"a\":2}\n");

    await().atMost(Duration.ofSeconds(30)).until(() -> partition.logEndOffset() == 2);
    assertThat(partition.durableOffset()).isZero();
    assertThat(response).isNotDone();
    clock.advanceMillis(1000);
    Reply reply = answer(response);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(partition.durableOffset()).isEqualTo(2);
  }

  @Test
  void whenTheWriteBudgetIsFull_thenAnswer429ThenAcceptOnceDrainedWithNothingLostOrDuplicated()
      throws Exception {
    start(
        HttpServerConfig.defaults().withPort(0),
        new WriterOptions(90_000, 90_000, 100_000, 90_000),
        false);
    log.createTopic("slow", 1, Map.of("flush.interval.ms", "1000"));
    PartitionLog partition = partition("slow", 0);
    String first = ndjson("first", 1500); // ~52 kB encoded
    String second = ndjson("second", 1500); // ~55 kB: alone it fits, with the first it does not

    CompletableFuture<HttpResponse<String>> firstResponse =
        postAsync("/topics/slow/records", NDJSON, first);
    await().atMost(Duration.ofSeconds(30)).until(() -> partition.logEndOffset() == 1500);
    Reply refused = post("/topics/slow/records", NDJSON, second);

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.body().get("error").asText()).isEqualTo("backpressured");
    assertThat(refused.raw().headers().firstValue("Retry-After")).hasValue("1");
    assertThat(partition.logEndOffset()).isEqualTo(1500);

    clock.advanceMillis(1000); // the fsync drains the budget
    assertThat(answer(firstResponse).status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> writer.pendingBytes() == 0);
    CompletableFuture<HttpResponse<String>> retried =
        postAsync("/topics/slow/records", NDJSON, second);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              clock.advanceMillis(1000);
              return retried.isDone();
            });
    assertThat(answer(retried).status()).isEqualTo(200);

    List<String> expected = new ArrayList<>(first.lines().toList());
    expected.addAll(second.lines().toList());
    assertThat(values(stored("slow", 0))).isEqualTo(expected);
  }

  @Test
  void whenTheIngestMemoryBudgetIsFull_thenAnswer503WithRetryAfter() throws Exception {
    start(
        HttpServerConfig.defaults().withPort(0).withIngestLimits(64 * 1024, 128 * 1024),
        WriterOptions.DEFAULTS,
        false);
    createTopic("events", 1, Map.of());
    // A raw HTTP/1.1 client that sends 163 records (charged about 80 kB of the 128 kB budget),
    // then holds the rest of its declared body back.
    String held = padded("held", 163);
    String rest = padded("rest", 10);
    java.net.Socket slow = new java.net.Socket("127.0.0.1", server.port());
    slow.setSoTimeout(30_000);
    var out = slow.getOutputStream();
    out.write(
        ("POST /topics/events/records HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: "
                + (held.length() + rest.length())
                + "\r\n\r\n"
                + held)
            .getBytes(StandardCharsets.UTF_8));
    out.flush();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.ingestBytesInUse(), inUse -> inUse > 64 * 1024);

    Reply refused = post("/topics/events/records", NDJSON, padded("other", 200));

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.body().get("error").asText()).isEqualTo("ingest_budget_exhausted");
    assertThat(refused.raw().headers().firstValue("Retry-After")).hasValue("1");

    out.write(rest.getBytes(StandardCharsets.UTF_8));
    out.flush();
    String slowAnswer =
        new java.io.BufferedReader(
                new java.io.InputStreamReader(slow.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    slow.close();
    assertThat(slowAnswer).isEqualTo("HTTP/1.1 200 OK");
    assertThat(api.ingestBytesInUse()).isZero();
    assertThat(post("/topics/events/records", NDJSON, padded("other", 200)).status())
        .isEqualTo(200);
    assertThat(partition("events", 0).logEndOffset()).isEqualTo(373);
  }

  @Test
  void shouldAcceptConcurrentPostsWithoutLosingOrDuplicatingRecords() throws Exception {
    start();
    createTopic("events", 2, Map.of());
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int client = 0; client < 16; client++) {
      responses.add(postAsync("/topics/events/records", NDJSON, ndjson("c" + client, 200)));
    }
    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThat(answer(response).status()).isEqualTo(200);
    }
    List<String> all = new ArrayList<>(values(stored("events", 0)));
    all.addAll(values(stored("events", 1)));
    assertThat(all).hasSize(16 * 200).doesNotHaveDuplicates();
  }

  private static String ndjson(String prefix, int count) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < count; i++) {
      body.append("{\"id\":\"")
          .append(prefix)
          .append('-')
          .append(i)
          .append("\",\"v\":")
          .append(i)
          .append("}\n");
    }
    return body.toString();
  }

  /** {@code count} NDJSON lines of 200 bytes each (with the newline). */
  private static String padded(String prefix, int count) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String start = "{\"id\":\"" + prefix + "-" + i + "\",\"pad\":\"";
      body.append(start).append("p".repeat(199 - start.length() - 2)).append("\"}\n");
    }
    return body.toString();
  }

  // ------------------------------------------------------------------ GET

  @Test
  void shouldReadRecordsBackAsEmbeddedJsonWithKeysAndHeaders() throws Exception {
    start();
    createTopic("events", 1, Map.of());
    post(
        "/topics/events/records",
        NDJSON,
        "{\"a\":1}\n{\"b\":[true,null]}\n{\"c\":\"x\"}\n",
        "Millrace-Key",
        "k",
        "Millrace-Header-H",
        "v");

    Reply reply = get("/topics/events/records?partition=0&offset=1&limit=1");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.raw().body())
        .isEqualTo(
            "{\"records\":[{\"partition\":0,\"offset\":1,\"timestamp\":"
                + clock.millis()
                + ",\"key\":\"k\",\"value\":{\"b\":[true,null]},"
                + "\"headers\":[{\"key\":\"h\",\"value\":\"v\"}]}],\"next_offset\":2}");
    Reply rest = get("/topics/events/records?offset=2");
    assertThat(rest.body().get("records")).hasSize(1);
    assertThat(rest.body().get("next_offset").asLong()).isEqualTo(3);
  }

  @Test
  void whenAValueIsNotJson_thenAnswer422UnlessBase64IsAsked() throws Exception {
    start();
    createTopic("raw", 1, Map.of());
    writer
        .tryWrite(
            "raw",
            List.of(
                io.millrace.log.write.WriteRecord.of(
                    null, "not json".getBytes(StandardCharsets.UTF_8))))
        .durable()
        .get();

    Reply json = get("/topics/raw/records");
    Reply base64 = get("/topics/raw/records?format=base64");

    assertThat(json.status()).isEqualTo(422);
    assertThat(json.body().get("error").asText()).isEqualTo("not_json");
    assertThat(base64.status()).isEqualTo(200);
    assertThat(base64.body().get("records").get(0).get("value").asText())
        .isEqualTo(java.util.Base64.getEncoder().encodeToString("not json".getBytes()));
  }

  @Test
  void shouldLongPollUntilARecordArrivesOrTheTimeoutPasses() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    Reply empty = get("/topics/events/records?offset=0&timeout_ms=200");
    assertThat(empty.status()).isEqualTo(200);
    assertThat(empty.body().get("records")).isEmpty();
    assertThat(empty.body().get("next_offset").asLong()).isZero();

    CompletableFuture<HttpResponse<String>> polling =
        client.sendAsync(
            request("/topics/events/records?offset=0&timeout_ms=30000").GET().build(),
            HttpResponse.BodyHandlers.ofString());
    // Whether the POST lands while the GET waits (woken by onData) or before it is read (found
    // at once), the GET must answer with the record, well before its 30 s timeout.
    post("/topics/events/records", APPLICATION_JSON, "{\"late\":true}");
    Reply woken = answer(polling);
    assertThat(woken.body().get("records").get(0).get("value").toString())
        .isEqualTo("{\"late\":true}");
  }

  @Test
  void whenReadingAnUnknownTopicOrBadOffset_thenRefuse() throws Exception {
    start();
    createTopic("events", 1, Map.of());

    assertThat(get("/topics/nope/records").status()).isEqualTo(404);
    assertThat(get("/topics/events/records?partition=3").status()).isEqualTo(404);
    assertThat(get("/topics/events/records?offset=7").status()).isEqualTo(416);
    assertThat(get("/topics/events/records?limit=0").status()).isEqualTo(400);
    assertThat(get("/topics/events/records?timeout_ms=999999").status()).isEqualTo(400);
  }
}
