package io.millrace.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Reads the records of a {@code POST /topics/{topic}/records} body as a stream: one JSON object, a
 * JSON array of objects, or NDJSON (one object per line). Jackson's streaming parser finds where
 * each record starts and ends (skipping its contents without building a tree); the record's value
 * is a copy of exactly those bytes as sent. Malformed input is reported as a 400 {@link
 * ApiException} naming the line and column.
 *
 * <p>Stateless and thread-safe; the parser state lives in one {@link #read} call.
 */
final class RecordBodyReader {

  /** The body's shape, from its Content-Type. */
  enum Format {
    /** {@code application/json}: one object, or an array of objects. */
    JSON,
    /** {@code application/x-ndjson}: one object per line. */
    NDJSON
  }

  /** Receives each record in body order; may throw an {@link ApiException} to stop reading. */
  interface RecordSink {
    void onRecord(byte[] value, int line, int column);
  }

  /** The body of a 400 about one record: where it is, so a client can fix its input. */
  record RecordError(String error, String message, int line, int column) {}

  /** Deeper records are refused (a limit on everything). */
  static final int MAX_NESTING_DEPTH = Json.MAX_NESTING_DEPTH;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          // The request body belongs to the dispatcher, which drains what a refused request left
          // unread; closed here, the server would drop the connection under the sending client.
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          // Canonicalization stays on: without it Jackson decodes an InputStream through a Reader
          // and reports no byte offsets, which the record slicing needs.
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  // +1: the array around the records of a JSON body
                  .maxNestingDepth(MAX_NESTING_DEPTH + 1)
                  .build())
          .build();

  private RecordBodyReader() {}

  /** The factory the records API uses for parsing keys out of record values. */
  static JsonFactory factory() {
    return FACTORY;
  }

  /**
   * Reads every record of {@code body} into {@code sink}.
   *
   * @return how many records there were
   * @throws ApiException 400 {@code invalid_json} for malformed JSON, {@code invalid_record} for a
   *     record that is not an object; the 413 of the body's limit; whatever the sink throws
   */
  static int read(InputStream body, Format format, RecordSink sink) throws IOException {
    CapturingInputStream captured = new CapturingInputStream(body);
    try (JsonParser parser = FACTORY.createParser(captured)) {
      return format == Format.NDJSON
          ? readLines(parser, captured, sink)
          : readDocument(parser, captured, sink);
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw malformed(
          "invalid_json",
          "malformed JSON: " + e.getOriginalMessage(),
          where == null ? -1 : where.getLineNr(),
          where == null ? -1 : where.getColumnNr());
    }
  }

  private static int readLines(JsonParser parser, CapturingInputStream captured, RecordSink sink)
      throws IOException {
    int count = 0;
    int lastLine = 0;
    for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
      JsonLocation start = parser.currentTokenLocation();
      if (start.getLineNr() == lastLine) {
        throw malformed(
            "invalid_json",
            "two records on one line; NDJSON has one JSON object per line",
            start.getLineNr(),
            start.getColumnNr());
      }
      lastLine = readRecord(parser, captured, sink, token);
      count++;
    }
    return count;
  }

  private static int readDocument(JsonParser parser, CapturingInputStream captured, RecordSink sink)
      throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw malformed("invalid_json", "the request body is empty", 1, 1);
    }
    int count = 0;
    if (token == JsonToken.START_ARRAY) {
      for (token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
        readRecord(parser, captured, sink, token);
        count++;
      }
    } else {
      readRecord(parser, captured, sink, token);
      count++;
    }
    if (parser.nextToken() != null) {
      JsonLocation where = parser.currentTokenLocation();
      throw malformed(
          "invalid_json",
          "more JSON after the body's value; send one object, one array, or NDJSON"
              + " (Content-Type: application/x-ndjson)",
          where.getLineNr(),
          where.getColumnNr());
    }
    return count;
  }

  /**
   * Reads the record at {@code token} (which must start an object) and hands its bytes to the sink.
   *
   * @return the line the record ends on
   */
  private static int readRecord(
      JsonParser parser, CapturingInputStream captured, RecordSink sink, JsonToken token)
      throws IOException {
    JsonLocation start = parser.currentTokenLocation();
    if (token != JsonToken.START_OBJECT) {
      throw malformed(
          "invalid_record",
          "a record must be a JSON object, found " + describe(token),
          start.getLineNr(),
          start.getColumnNr());
    }
    parser.skipChildren();
    JsonLocation end = parser.currentLocation();
    long startOffset = start.getByteOffset();
    long endOffset = end.getByteOffset();
    byte[] value = captured.copy(startOffset, endOffset);
    captured.discardBefore(endOffset);
    sink.onRecord(value, start.getLineNr(), start.getColumnNr());
    return end.getLineNr();
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.asString() == null ? token.name() : token.asString();
    };
  }

  static ApiException malformed(String code, String message, int line, int column) {
    String located = "line " + line + ", column " + column + ": " + message;
    return new ApiException(
        400, code, located, new RecordError(code, located, line, column), Map.of());
  }
}
