package io.millrace.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.millrace.http.ApiException;
import io.millrace.http.ApiRequest;
import io.millrace.http.ApiResponse;
import io.millrace.http.Router;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /views}: lists views, looks up a key, scans a key range or prefix in pages. Answers are
 * written straight from the index's bytes: a value is embedded as the JSON document it is (or as a
 * string, marked {@code "value_encoding": "text"}, if it is not valid JSON).
 *
 * <p>Thread-safe: handlers run on the HTTP server's virtual threads and share nothing but the
 * {@link ViewService}.
 */
public final class ViewsApi {

  /** Rows per scan page without {@code limit}. */
  public static final int DEFAULT_LIMIT = 100;

  /** The largest {@code limit}. */
  public static final int MAX_LIMIT = 1_000;

  /** Keys a page looks at, at most, before it answers (expired rows are skipped, not counted). */
  static final int MAX_EXAMINED_PER_PAGE = 10_000;

  /** The default and the largest wait for {@code min_offset}. */
  public static final long DEFAULT_WAIT_MS = 5_000;

  public static final long MAX_WAIT_MS = 30_000;

  /** Longer keys are refused (RocksDB takes them, but a limit on everything). */
  static final int MAX_KEY_BYTES = 4096;

  private static final Set<String> KEY_PARAMETERS = Set.of("min_offset", "timeout_ms");
  private static final Set<String> SCAN_PARAMETERS =
      Set.of("prefix", "from", "to", "limit", "cursor", "min_offset", "partition", "timeout_ms");

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1_000).build())
          .build();

  private final ViewService views;

  public ViewsApi(ViewService views) {
    this.views = views;
  }

  public void register(Router.Builder routes) {
    routes.get("/views", request -> list());
    routes.get("/views/{view}", this::scan);
    routes.get("/views/{view}/{key}", this::get);
  }

  // ------------------------------------------------------------------------------------ list

  private ApiResponse list() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator out = JSON.createGenerator(bytes)) {
      out.writeStartObject();
      out.writeArrayFieldStart("views");
      for (View view : views.views()) {
        writeSummary(out, view);
      }
      out.writeEndArray();
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ApiResponse.rawJson(200, bytes.toByteArray());
  }

  private void writeSummary(JsonGenerator out, View view) throws IOException {
    int partitions = views.partitions(view);
    out.writeStartObject();
    out.writeStringField("name", view.name());
    out.writeStringField("changelog_topic", view.topic());
    out.writeNumberField("partitions", partitions);
    out.writeStringField("key_format", "string");
    out.writeStringField("value_format", "json");
    out.writeNumberField("ttl_ms", view.ttlMs());
    out.writeNumberField("approximate_rows", approximateRows(view));
    out.writeStringField("state", view.indexer().state().name().toLowerCase(java.util.Locale.ROOT));
    out.writeArrayFieldStart("applied_offsets");
    for (int p = 0; p < partitions; p++) {
      out.writeNumber(view.indexer().nextOffset(p));
    }
    out.writeEndArray();
    out.writeNumberField("keyless_records_skipped", view.indexer().keylessRecords());
    out.writeEndObject();
  }

  private static long approximateRows(View view) {
    try {
      return view.approximateRows();
    } catch (IllegalStateException closedMeanwhile) {
      return 0;
    }
  }

  // ------------------------------------------------------------------------------------- get

  private ApiResponse get(ApiRequest request) {
    View view = view(request);
    checkParameters(request, KEY_PARAMETERS);
    byte[] key = key(request.pathParameter("key"), "key");
    Optional<Long> minOffset = longParameter(request, "min_offset", 0, Long.MAX_VALUE);
    if (minOffset.isPresent()) {
      int partitions = views.partitions(view);
      awaitApplied(request, view, View.partitionOf(key, Math.max(1, partitions)), minOffset.get());
    }
    ViewIndex.Row row = read(() -> view.get(key), view);
    if (row == null) {
      throw ApiException.notFound(
          "unknown_key",
          "view " + view.name() + " has no row for key " + request.pathParameter("key"));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(row.value().length + 128);
    try (JsonGenerator out = JSON.createGenerator(bytes)) {
      writeRow(out, row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ApiResponse.rawJson(200, bytes.toByteArray());
  }

  // ------------------------------------------------------------------------------------ scan

  private ApiResponse scan(ApiRequest request) {
    View view = view(request);
    checkParameters(request, SCAN_PARAMETERS);
    byte[] prefix = optionalKey(request, "prefix");
    byte[] from = optionalKey(request, "from");
    byte[] to = optionalKey(request, "to");
    byte[] after = request.queryParameter("cursor").map(ViewsApi::decodeCursor).orElse(null);
    int limit =
        longParameter(request, "limit", 1, MAX_LIMIT).orElse((long) DEFAULT_LIMIT).intValue();
    Optional<Long> minOffset = longParameter(request, "min_offset", 0, Long.MAX_VALUE);
    if (minOffset.isPresent()) {
      awaitApplied(request, view, scanPartition(request, view), minOffset.get());
    } else if (request.queryParameter("partition").isPresent()) {
      throw ApiException.badRequest(
          "invalid_parameter", "partition only goes with min_offset on a scan");
    }
    ViewIndex.Page page =
        read(() -> view.scan(prefix, from, to, after, limit, MAX_EXAMINED_PER_PAGE), view);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + page.rows().size() * 128);
    try (JsonGenerator out = JSON.createGenerator(bytes)) {
      out.writeStartObject();
      out.writeArrayFieldStart("rows");
      for (ViewIndex.Row row : page.rows()) {
        writeRow(out, row);
      }
      out.writeEndArray();
      if (page.lastExaminedKey() == null) {
        out.writeNullField("next_cursor");
      } else {
        out.writeStringField("next_cursor", encodeCursor(page.lastExaminedKey()));
      }
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ApiResponse.rawJson(200, bytes.toByteArray());
  }

  /** A scan's {@code min_offset} names an offset of one partition: which one. */
  private int scanPartition(ApiRequest request, View view) {
    int partitions = views.partitions(view);
    Optional<Long> partition = longParameter(request, "partition", 0, Integer.MAX_VALUE);
    if (partition.isEmpty() && partitions > 1) {
      throw ApiException.badRequest(
          "invalid_parameter",
          "min_offset on a scan needs partition: the changelog of view "
              + view.name()
              + " has "
              + partitions
              + " partitions");
    }
    int p = partition.orElse(0L).intValue();
    if (p >= Math.max(1, partitions)) {
      throw ApiException.badRequest(
          "invalid_parameter",
          "partition " + p + " does not exist in the changelog of view " + view.name());
    }
    return p;
  }

  // --------------------------------------------------------------------------------- helpers

  private View view(ApiRequest request) {
    String name = request.pathParameter("view");
    return views
        .view(name)
        .orElseThrow(() -> ApiException.notFound("unknown_view", "unknown view " + name));
  }

  /** Runs a read; a view closed under it (its changelog was just deleted) is unknown now. */
  private static <T> T read(java.util.function.Supplier<T> read, View view) {
    try {
      return read.get();
    } catch (IllegalStateException closed) {
      throw ApiException.notFound("unknown_view", "unknown view " + view.name());
    }
  }

  private static void awaitApplied(ApiRequest request, View view, int partition, long offset) {
    long timeoutMs = longParameter(request, "timeout_ms", 0, MAX_WAIT_MS).orElse(DEFAULT_WAIT_MS);
    boolean applied;
    try {
      applied = view.indexer().awaitApplied(partition, offset, timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      applied = false;
    }
    if (!applied) {
      throw new ApiException(
          504,
          "view_behind",
          "view "
              + view.name()
              + " has not applied offset "
              + offset
              + " of partition "
              + partition
              + " within "
              + timeoutMs
              + " ms (applied up to "
              + view.indexer().nextOffset(partition)
              + ")");
    }
  }

  private static void writeRow(JsonGenerator out, ViewIndex.Row row) throws IOException {
    out.writeStartObject();
    out.writeStringField("key", new String(row.key(), StandardCharsets.UTF_8));
    String value = new String(row.value(), StandardCharsets.UTF_8);
    if (isJson(row.value())) {
      out.writeFieldName("value");
      out.writeRawValue(value);
    } else {
      out.writeStringField("value", value);
      out.writeStringField("value_encoding", "text");
    }
    out.writeNumberField("partition", row.partition());
    out.writeNumberField("offset", row.offset());
    out.writeNumberField("timestamp", row.timestampMs());
    out.writeEndObject();
  }

  /** True if the bytes are exactly one JSON value (so they can be embedded as they are). */
  static boolean isJson(byte[] value) {
    if (value.length == 0) {
      return false;
    }
    try (JsonParser parser = JSON.createParser(value)) {
      if (parser.nextToken() == null) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  private static void checkParameters(ApiRequest request, Set<String> known) {
    for (String name : request.queryParameters().keySet()) {
      if (!known.contains(name)) {
        throw ApiException.badRequest(
            "invalid_parameter",
            "unknown query parameter "
                + name
                + " (known: "
                + String.join(", ", sorted(known))
                + ")");
      }
    }
  }

  private static java.util.List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  private static byte[] optionalKey(ApiRequest request, String name) {
    Optional<String> text = request.queryParameter(name);
    return text.isEmpty() ? null : key(text.get(), name);
  }

  private static byte[] key(String text, String what) {
    byte[] key = text.getBytes(StandardCharsets.UTF_8);
    if (key.length > MAX_KEY_BYTES) {
      throw ApiException.badRequest(
          "invalid_parameter", what + " is longer than " + MAX_KEY_BYTES + " bytes");
    }
    return key;
  }

  private static Optional<Long> longParameter(ApiRequest request, String name, long min, long max) {
    Optional<String> text = request.queryParameter(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      long value = Long.parseLong(text.get());
      if (value >= min && value <= max) {
        return Optional.of(value);
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest(
        "invalid_parameter",
        name + " must be an integer from " + min + " to " + max + ", was " + text.get());
  }

  /** The cursor is the last key a page looked at, base64url: the next page starts after it. */
  static String encodeCursor(byte[] lastKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey);
  }

  static byte[] decodeCursor(String cursor) {
    try {
      byte[] key = Base64.getUrlDecoder().decode(cursor);
      if (key.length > 0 && key.length <= MAX_KEY_BYTES) {
        return key;
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw ApiException.badRequest("invalid_cursor", "cursor is not one this API gave out");
  }
}
