package io.millrace.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.millrace.log.format.LogRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Writes the body of {@code GET /topics/{topic}/records}: records with their values embedded as
 * JSON (or base64), streamed into one byte array. Stateless and thread-safe.
 */
final class RecordsJson {

  private RecordsJson() {}

  /** How a GET writes keys, values and header values. */
  enum ValueFormat {
    /** Values embedded as JSON (422 for a value that is not); keys and header values as text. */
    JSON,
    /** Keys, values and header values as base64 strings: any bytes. */
    BASE64
  }

  static byte[] render(
      List<LogRecord> records, int partition, long nextOffset, ValueFormat format) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonFactory factory = RecordBodyReader.factory();
    try (JsonGenerator out = factory.createGenerator(bytes)) {
      out.writeStartObject();
      out.writeArrayFieldStart("records");
      for (LogRecord record : records) {
        out.writeStartObject();
        out.writeNumberField("partition", partition);
        out.writeNumberField("offset", record.offset());
        out.writeNumberField("timestamp", record.timestamp());
        out.writeFieldName("key");
        writeBytes(out, record.key(), format);
        out.writeFieldName("value");
        writeValue(out, record, format);
        out.writeArrayFieldStart("headers");
        for (LogRecord.Header header : record.headers()) {
          out.writeStartObject();
          out.writeStringField("key", header.key());
          out.writeFieldName("value");
          writeBytes(out, header.value(), format);
          out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
      }
      out.writeEndArray();
      out.writeNumberField("next_offset", nextOffset);
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeBytes(JsonGenerator out, byte[] bytes, ValueFormat format)
      throws IOException {
    if (bytes == null) {
      out.writeNull();
    } else if (format == ValueFormat.BASE64) {
      out.writeString(Base64.getEncoder().encodeToString(bytes));
    } else {
      out.writeString(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static void writeValue(JsonGenerator out, LogRecord record, ValueFormat format)
      throws IOException {
    byte[] value = record.value();
    if (value == null || format == ValueFormat.BASE64) {
      writeBytes(out, value, format);
      return;
    }
    if (!isJson(value)) {
      throw new ApiException(
          422,
          "not_json",
          "the value at offset " + record.offset() + " is not JSON; read it with format=base64");
    }
    out.writeRawValue(new String(value, StandardCharsets.UTF_8));
  }

  /** Whether the bytes are exactly one JSON value. */
  private static boolean isJson(byte[] value) {
    try (JsonParser parser = RecordBodyReader.factory().createParser(value)) {
      if (parser.nextToken() == null) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
