package io.millrace.connect.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Writes Debezium's change events (Kafka Connect {@link Struct}s) as the JSON Millrace stores:
 *
 * <pre>
 * key:   {"id": 42}                          the primary key columns; null without a primary key
 * value: {"op": "u",                         c = insert, u = update, d = delete, r = snapshot read
 *         "before": {...} | null,            the row before (updates and deletes; all columns only
 *                                            with REPLICA IDENTITY FULL, else the key columns)
 *         "after":  {...} | null,            the row after (inserts, updates, snapshot reads)
 *         "source": {"lsn": ..., "txId": ..., "ts_ms": ..., "schema": ..., "table": ...,
 *                    "snapshot": "false", "sequence": ..., ...},   Debezium's source block
 *         "ts_ms": ...}                      when Debezium processed the event
 * </pre>
 *
 * Column values: numbers, booleans and text as they are; {@code bytea} as base64 text; Kafka
 * Connect's Date, Time and Timestamp types as ISO-8601 text; Debezium's own temporal types
 * (microsecond timestamps and the like) as the numbers Debezium gives; decimals as text (the source
 * asks Debezium for {@code decimal.handling.mode=string}).
 *
 * <p>Walks the Struct once and writes straight to bytes (no JSON tree). Not thread-safe: one
 * instance per writer thread (it reuses its buffer).
 */
final class ChangeEventJson {

  private final JsonFactory factory = new JsonFactory();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);

  /** The JSON of a key Struct (or any Connect value); null for null. */
  byte[] toJson(Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    buffer.reset();
    try (JsonGenerator json = factory.createGenerator(buffer)) {
      write(json, schema, value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a change event as JSON", e);
    }
    return buffer.toByteArray();
  }

  /** The value JSON of a Debezium envelope (see the class comment). */
  byte[] envelopeToJson(Struct envelope) {
    buffer.reset();
    try (JsonGenerator json = factory.createGenerator(buffer)) {
      json.writeStartObject();
      Schema schema = envelope.schema();
      writeField(json, envelope, schema, "op");
      writeField(json, envelope, schema, "before");
      writeField(json, envelope, schema, "after");
      writeField(json, envelope, schema, "source");
      if (schema.field("transaction") != null && envelope.get("transaction") != null) {
        writeField(json, envelope, schema, "transaction");
      }
      writeField(json, envelope, schema, "ts_ms");
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a change event as JSON", e);
    }
    return buffer.toByteArray();
  }

  private static void writeField(JsonGenerator json, Struct struct, Schema schema, String name)
      throws IOException {
    Field field = schema.field(name);
    json.writeFieldName(name);
    if (field == null) {
      json.writeNull();
    } else {
      write(json, field.schema(), struct.get(field));
    }
  }

  private static void write(JsonGenerator json, Schema schema, Object value) throws IOException {
    if (value == null) {
      json.writeNull();
      return;
    }
    String logical = schema == null ? null : schema.name();
    if (logical != null) {
      switch (logical) {
        case Decimal.LOGICAL_NAME -> {
          json.writeString(((BigDecimal) value).toPlainString());
          return;
        }
        case org.apache.kafka.connect.data.Date.LOGICAL_NAME -> {
          json.writeString(
              LocalDate.ofInstant(((Date) value).toInstant(), ZoneOffset.UTC).toString());
          return;
        }
        case Time.LOGICAL_NAME, Timestamp.LOGICAL_NAME -> {
          json.writeString(Instant.ofEpochMilli(((Date) value).getTime()).toString());
          return;
        }
        default -> {
          // Debezium's semantic types (io.debezium.time.*, Json, Uuid...) carry plain values
        }
      }
    }
    switch (value) {
      case Struct struct -> {
        json.writeStartObject();
        for (Field field : struct.schema().fields()) {
          json.writeFieldName(field.name());
          write(json, field.schema(), struct.get(field));
        }
        json.writeEndObject();
      }
      case List<?> list -> {
        json.writeStartArray();
        Schema element = schema == null ? null : schema.valueSchema();
        for (Object item : list) {
          write(json, element, item);
        }
        json.writeEndArray();
      }
      case Map<?, ?> map -> {
        json.writeStartObject();
        Schema element = schema == null ? null : schema.valueSchema();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          json.writeFieldName(String.valueOf(entry.getKey()));
          write(json, element, entry.getValue());
        }
        json.writeEndObject();
      }
      case String text -> json.writeString(text);
      case Boolean bool -> json.writeBoolean(bool);
      case Byte number -> json.writeNumber(number);
      case Short number -> json.writeNumber(number);
      case Integer number -> json.writeNumber(number);
      case Long number -> json.writeNumber(number);
      case Float number -> json.writeNumber(number);
      case Double number -> json.writeNumber(number);
      case BigDecimal number -> json.writeString(number.toPlainString());
      case byte[] bytes -> json.writeString(Base64.getEncoder().encodeToString(bytes));
      case ByteBuffer bytes -> {
        ByteBuffer copy = bytes.duplicate();
        byte[] array = new byte[copy.remaining()];
        copy.get(array);
        json.writeString(Base64.getEncoder().encodeToString(array));
      }
      default -> json.writeString(value.toString());
    }
  }
}
