package io.millrace.connect.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.testing.LogReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the change events a CDC source wrote to a topic, for assertions. */
public final class ChangeEvents {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One record: key JSON, value JSON (null for a tombstone). */
  public record Event(JsonNode key, JsonNode value) {
    public boolean isTombstone() {
      return value == null;
    }

    public String op() {
      return value == null ? "tombstone" : value.path("op").asText();
    }

    /** The source position: LSN and, within a transaction, Debezium's sequence. */
    public String position() {
      return value == null
          ? null
          : value.path("source").path("lsn").asText() + "/" + value.path("source").path("sequence");
    }

    public JsonNode after() {
      return value.path("after");
    }

    public JsonNode before() {
      return value.path("before");
    }
  }

  private ChangeEvents() {}

  /** Every record of every partition of {@code topic} (partition order); empty if no topic. */
  public static List<Event> read(Log log, String topic) {
    List<Event> events = new ArrayList<>();
    if (log.describeTopic(topic).isEmpty()) {
      return events;
    }
    for (PartitionLog partition : log.partitions(topic)) {
      for (LogRecord record : LogReader.readAll(partition)) {
        try {
          events.add(
              new Event(
                  record.key() == null ? null : MAPPER.readTree(record.key()),
                  record.value() == null ? null : MAPPER.readTree(record.value())));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return events;
  }
}
