package io.millrace.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonPointer;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code /topics/{topic}/records}: push records over HTTP and read them back. Writes go through the
 * log's {@link TopicWriter} (the same write path and backpressure budget as the pull sources);
 * reads through {@link PartitionLog#read} with long polling on {@link PartitionLog#onData}. See
 * docs/http.md for the request and response shapes and every error.
 *
 * <p><b>All or nothing.</b> A POST's whole body is read and validated, and its records held in
 * memory, before anything is appended; then the records go to the writer in one call, which stores
 * all of them or none (except a disk failure between the appends of a call spanning partitions, see
 * TopicWriter). Holding the records is bounded by the body limit per request and by the {@link
 * IngestBudget} over all requests (503 beyond it), so memory stays bounded under any load.
 *
 * <p>Thread-safe: each request runs on its own virtual thread with its own state; shared state is
 * the writer and the budget, both thread-safe.
 */
public final class RecordsApi {

  /** Rough heap cost of one held record beyond its bytes (WriteRecord, arrays, list slot). */
  static final int RECORD_OVERHEAD_BYTES = 96;

  /** Budget taken from the shared counter at a time, so requests rarely touch it. */
  private static final long BUDGET_CHUNK_BYTES = 256 * 1024;

  /** The per-record listing in a POST answer stops here; the per-partition ranges never do. */
  static final int MAX_LISTED_RECORDS = 10_000;

  /** The longest a POST waits for its records to become durable before answering 504. */
  static final long DURABLE_WAIT_MS = 30_000;

  /**
   * What a 429 or 503 asks the client to wait: a group commit (the usual drain of the write budget)
   * takes milliseconds, so one second, the smallest Retry-After, is plenty.
   */
  static final long RETRY_AFTER_SECONDS = 1;

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 10_000;
  static final long MAX_TIMEOUT_MS = 30_000;
  static final int MAX_READ_BYTES = 4 << 20;
  static final int MAX_RECORD_HEADERS = 64;

  static final String KEY_HEADER = "millrace-key";
  static final String HEADER_PREFIX = "millrace-header-";
  static final String RESERVED_HEADER_PREFIX = "millrace-source";

  private final Log log;
  private final TopicWriter writer;
  private final IngestBudget budget;
  private final long budgetChunkBytes;
  private final boolean autoCreateTopics;
  private final int autoCreatePartitions;

  /**
   * @param autoCreateTopics whether a POST to an unknown topic creates it (the Kafka listener's
   *     {@code kafka.auto_create_topics}), with {@code autoCreatePartitions} partitions
   */
  public RecordsApi(
      Log log,
      TopicWriter writer,
      HttpServerConfig config,
      boolean autoCreateTopics,
      int autoCreatePartitions) {
    this.log = log;
    this.writer = writer;
    this.budget = new IngestBudget(config.maxIngestBytesInFlight());
    this.budgetChunkBytes = Math.min(BUDGET_CHUNK_BYTES, config.maxIngestBytesInFlight() / 64);
    this.autoCreateTopics = autoCreateTopics;
    this.autoCreatePartitions = autoCreatePartitions;
  }

  public void register(Router.Builder routes) {
    routes.postStreaming("/topics/{topic}/records", this::append);
    routes.get("/topics/{topic}/records", this::read);
  }

  /** Bytes of the ingestion budget in use (for tests and, later, metrics). */
  long ingestBytesInUse() {
    return budget.usedBytes();
  }

  // ------------------------------------------------------------------------------ POST

  /** One partition's records of a POST: offsets first_offset..last_offset, in body order. */
  public record PartitionRange(int partition, long firstOffset, long lastOffset, int count) {}

  /** One record of a POST answer. */
  public record Placement(int partition, long offset) {}

  /** The body of a successful POST; {@code records} is null past {@link #MAX_LISTED_RECORDS}. */
  public record AppendAnswer(
      int count,
      List<PartitionRange> partitions,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<Placement> records) {}

  private ApiResponse append(ApiRequest request) {
    String topic = request.pathParameter("topic");
    RecordBodyReader.Format format = format(request);
    int partition = partitionParameter(request);
    KeySource keys = keySource(request);
    List<LogRecord.Header> headers = recordHeaders(request);
    requireTopic(topic);
    List<WriteRecord> records = new ArrayList<>();
    BudgetHold hold = new BudgetHold();
    try {
      try {
        RecordBodyReader.read(
            request.bodyStream(),
            format,
            (value, line, column) -> {
              if (records.size() >= writer.options().maxRecordsPerWrite()) {
                throw new ApiException(
                    413,
                    "too_many_records",
                    "a request carries at most "
                        + writer.options().maxRecordsPerWrite()
                        + " records");
              }
              hold.take(2L * value.length + RECORD_OVERHEAD_BYTES);
              byte[] key = keys.keyOf(value, line, column);
              records.add(new WriteRecord(partition, key, value, headers, WriteRecord.NOW));
            });
      } catch (IOException e) {
        throw ApiException.badRequest(
            "invalid_request", "reading the request body failed: " + e.getMessage());
      }
      if (records.isEmpty()) {
        return ApiResponse.ok(new AppendAnswer(0, List.of(), List.of()));
      }
      WriteResult result = writer.tryWrite(topic, records);
      records.clear();
      return answerWrite(topic, result);
    } finally {
      hold.giveBackAll();
    }
  }

  /** Budget held by one request, taken in chunks and given back whole at the end. */
  private final class BudgetHold {
    private long heldBytes;
    private long usedBytes;

    void take(long bytes) {
      usedBytes += bytes;
      if (usedBytes <= heldBytes) {
        return;
      }
      long more = Math.max(budgetChunkBytes, usedBytes - heldBytes);
      if (!budget.tryTake(more)) {
        throw retryLater(
            503,
            "ingest_budget_exhausted",
            "the server holds as many ingestion requests as its memory budget allows; nothing was"
                + " stored; retry after the Retry-After seconds");
      }
      heldBytes += more;
    }

    void giveBackAll() {
      budget.giveBack(heldBytes);
      heldBytes = 0;
    }
  }

  private ApiResponse answerWrite(String topic, WriteResult result) {
    switch (result.status()) {
      case OK -> {}
      case BACK_PRESSURED ->
          throw retryLater(
              429,
              "backpressured",
              "the topic's partitions have as many bytes waiting to become durable as allowed;"
                  + " nothing was stored; retry after the Retry-After seconds");
      case UNKNOWN_TOPIC -> throw unknownTopic(topic);
      case INVALID_PARTITION ->
          throw ApiException.badRequest("invalid_partition", result.message());
      case INVALID_RECORD -> throw ApiException.badRequest("invalid_record", result.message());
      case RECORD_TOO_LARGE, REQUEST_TOO_LARGE ->
          throw new ApiException(
              413, "request_too_large", result.message() + "; nothing was stored");
      case STORAGE_ERROR, CLOSED ->
          throw new ApiException(
              500,
              "storage_error",
              result.message()
                  + "; "
                  + result.storedCount()
                  + " of the request's records may be stored (at-least-once: a retry may duplicate"
                  + " them)");
    }
    awaitDurable(result.durable());
    return ApiResponse.ok(placements(result));
  }

  private static void awaitDurable(CompletableFuture<Void> durable) {
    try {
      durable.get(DURABLE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new ApiException(
          500,
          "storage_error",
          "the records were appended but making them durable failed ("
              + e.getCause()
              + "); they may be stored (at-least-once: a retry may duplicate them)");
    } catch (TimeoutException e) {
      throw new ApiException(
          504,
          "durability_timeout",
          "the records were appended but not durable within "
              + DURABLE_WAIT_MS
              + " ms; they may be stored (at-least-once: a retry may duplicate them)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "stopping", "the server is stopping; the records may be stored");
    }
  }

  private static AppendAnswer placements(WriteResult result) {
    int[] partitions = result.partitions();
    long[] offsets = result.offsets();
    TreeMap<Integer, long[]> ranges = new TreeMap<>(); // partition -> {first, last, count}
    for (int i = 0; i < offsets.length; i++) {
      long[] range = ranges.computeIfAbsent(partitions[i], p -> new long[] {Long.MAX_VALUE, -1, 0});
      range[0] = Math.min(range[0], offsets[i]);
      range[1] = Math.max(range[1], offsets[i]);
      range[2]++;
    }
    List<PartitionRange> partitionRanges = new ArrayList<>(ranges.size());
    ranges.forEach(
        (p, range) ->
            partitionRanges.add(new PartitionRange(p, range[0], range[1], (int) range[2])));
    List<Placement> records = null;
    if (offsets.length <= MAX_LISTED_RECORDS) {
      records = new ArrayList<>(offsets.length);
      for (int i = 0; i < offsets.length; i++) {
        records.add(new Placement(partitions[i], offsets[i]));
      }
    }
    return new AppendAnswer(offsets.length, partitionRanges, records);
  }

  private static RecordBodyReader.Format format(ApiRequest request) {
    String type = request.contentType().orElse("");
    return switch (type) {
      case "application/json" -> RecordBodyReader.Format.JSON;
      case "application/x-ndjson" -> RecordBodyReader.Format.NDJSON;
      default ->
          throw new ApiException(
              415,
              "unsupported_media_type",
              "records are sent as application/json (one object or an array of objects) or"
                  + " application/x-ndjson, not "
                  + (type.isEmpty() ? "no Content-Type" : type));
    };
  }

  private static int partitionParameter(ApiRequest request) {
    return request
        .queryParameter("partition")
        .map(text -> parseInt(text, "partition", 0, Integer.MAX_VALUE, "invalid_partition"))
        .orElse(WriteRecord.ANY_PARTITION);
  }

  private static List<LogRecord.Header> recordHeaders(ApiRequest request) {
    List<LogRecord.Header> headers = new ArrayList<>();
    for (Map.Entry<String, List<String>> header : new TreeMap<>(request.headers()).entrySet()) {
      if (!header.getKey().startsWith(HEADER_PREFIX)) {
        continue;
      }
      String name = header.getKey().substring(HEADER_PREFIX.length());
      if (name.isEmpty()) {
        throw ApiException.badRequest("invalid_request", "a Millrace-Header- header needs a name");
      }
      if (name.startsWith(RESERVED_HEADER_PREFIX)) {
        throw ApiException.badRequest(
            "reserved_header",
            "record headers named millrace-source* are reserved for the pull sources, not " + name);
      }
      for (String value : header.getValue()) {
        headers.add(new LogRecord.Header(name, value.getBytes(StandardCharsets.UTF_8)));
      }
    }
    if (headers.size() > MAX_RECORD_HEADERS) {
      throw ApiException.badRequest(
          "invalid_request", "at most " + MAX_RECORD_HEADERS + " record headers per request");
    }
    return List.copyOf(headers);
  }

  private void requireTopic(String topic) {
    if (log.describeTopic(topic).isPresent()) {
      return;
    }
    if (!autoCreateTopics) {
      throw unknownTopic(topic);
    }
    try {
      log.createTopic(topic, autoCreatePartitions, Map.of());
    } catch (InvalidRequestException e) {
      switch (e.reason()) {
        case TOPIC_EXISTS -> {} // created meanwhile by another request
        case INVALID_TOPIC_NAME ->
            throw ApiException.badRequest("invalid_topic_name", e.getMessage());
        default -> throw ApiException.badRequest("invalid_request", e.getMessage());
      }
    }
  }

  // ------------------------------------------------------------------------------ keys

  /** Where a POST's record keys come from. */
  private interface KeySource {
    byte[] keyOf(byte[] value, int line, int column);
  }

  private static KeySource keySource(ApiRequest request) {
    var pointer = request.queryParameter("key_pointer");
    var header = request.header(KEY_HEADER);
    if (pointer.isPresent() && header.isPresent()) {
      throw ApiException.badRequest(
          "invalid_request", "give the key by key_pointer or by Millrace-Key, not both");
    }
    if (header.isPresent()) {
      byte[] key = header.get().getBytes(StandardCharsets.UTF_8);
      return (value, line, column) -> key;
    }
    if (pointer.isEmpty()) {
      return (value, line, column) -> null;
    }
    JsonPointer compiled;
    try {
      compiled = JsonPointer.compile(pointer.get());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "invalid_request", "key_pointer is not a JSON pointer: " + e.getMessage());
    }
    if (compiled.matches()) {
      throw ApiException.badRequest(
          "invalid_request", "key_pointer must name a field, like /id, not the whole record");
    }
    return (value, line, column) -> {
      byte[] key = KeyPointer.keyAt(value, compiled);
      if (key == null) {
        throw RecordBodyReader.malformed(
            "missing_key",
            "the record has no value (or null) at key_pointer " + pointer.get(),
            line,
            column);
      }
      return key;
    };
  }

  // ------------------------------------------------------------------------------ GET

  private ApiResponse read(ApiRequest request) {
    String topic = request.pathParameter("topic");
    int partitionNumber =
        request
            .queryParameter("partition")
            .map(text -> parseInt(text, "partition", 0, Integer.MAX_VALUE, "invalid_partition"))
            .orElse(0);
    int limit =
        request
            .queryParameter("limit")
            .map(text -> parseInt(text, "limit", 1, MAX_LIMIT, "invalid_request"))
            .orElse(DEFAULT_LIMIT);
    long timeoutMs =
        request
            .queryParameter("timeout_ms")
            .map(
                text ->
                    (long) parseInt(text, "timeout_ms", 0, (int) MAX_TIMEOUT_MS, "invalid_request"))
            .orElse(0L);
    RecordsJson.ValueFormat valueFormat = valueFormat(request);
    if (log.describeTopic(topic).isEmpty()) {
      throw unknownTopic(topic);
    }
    PartitionLog partition;
    try {
      partition = log.partition(new TopicPartition(topic, partitionNumber));
    } catch (InvalidRequestException e) {
      throw ApiException.notFound("unknown_partition", e.getMessage());
    }
    if (partition == null) {
      throw ApiException.notFound(
          "unknown_partition", "topic " + topic + " has no partition " + partitionNumber);
    }
    long offset =
        request
            .queryParameter("offset")
            .map(text -> parseLong(text, "offset"))
            .orElse(partition.logStartOffset());
    List<LogRecord> records = readRecords(partition, offset, limit, timeoutMs);
    long next = records.isEmpty() ? offset : records.get(records.size() - 1).offset() + 1;
    return ApiResponse.rawJson(
        200, RecordsJson.render(records, partitionNumber, next, valueFormat));
  }

  private static RecordsJson.ValueFormat valueFormat(ApiRequest request) {
    String text = request.queryParameter("format").orElse("json");
    return switch (text) {
      case "json" -> RecordsJson.ValueFormat.JSON;
      case "base64" -> RecordsJson.ValueFormat.BASE64;
      default ->
          throw ApiException.badRequest(
              "invalid_request", "format must be json or base64, not " + text);
    };
  }

  /** Up to {@code limit} records from {@code offset}, waiting up to {@code timeoutMs} for one. */
  private static List<LogRecord> readRecords(
      PartitionLog partition, long offset, int limit, long timeoutMs) {
    if (offset < partition.logStartOffset() || offset > partition.logEndOffset()) {
      throw new ApiException(
          416,
          "offset_out_of_range",
          "offset "
              + offset
              + " is outside ["
              + partition.logStartOffset()
              + ", "
              + partition.logEndOffset()
              + "]");
    }
    if (partition.logEndOffset() <= offset && timeoutMs > 0) {
      try {
        partition.onData(offset).get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        return List.of();
      } catch (ExecutionException e) {
        return List.of();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
    List<LogRecord> out = new ArrayList<>();
    long position = offset;
    while (out.size() < limit && position < partition.logEndOffset()) {
      LogSlice slice = partition.read(position, MAX_READ_BYTES);
      if (slice.isEmpty()) {
        break;
      }
      try {
        for (LogRecord record : RecordBatches.records(slice.read())) {
          if (record.offset() >= position && out.size() < limit) {
            out.add(record);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      position =
          Math.max(slice.nextOffset(), out.isEmpty() ? position : out.getLast().offset() + 1);
    }
    return out;
  }

  // ------------------------------------------------------------------------------ helpers

  private static int parseInt(String text, String name, int min, int max, String code) {
    long value = parseLong(text, name);
    if (value < min || value > max) {
      throw ApiException.badRequest(
          code, name + " must be " + min + ".." + max + ", was " + text.toLowerCase(Locale.ROOT));
    }
    return (int) value;
  }

  private static long parseLong(String text, String name) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid_request", name + " must be an integer, was " + text);
    }
  }

  /** A refusal that stored nothing and may succeed later: with {@code Retry-After} in seconds. */
  private static ApiException retryLater(int status, String code, String message) {
    return new ApiException(
        status,
        code,
        message,
        new ApiResponse.ErrorBody(code, message),
        Map.of("Retry-After", Long.toString(RETRY_AFTER_SECONDS)));
  }

  private static ApiException unknownTopic(String topic) {
    return ApiException.notFound("unknown_topic", "unknown topic " + topic);
  }
}
