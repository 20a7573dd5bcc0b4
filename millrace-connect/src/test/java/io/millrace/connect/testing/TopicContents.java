package io.millrace.connect.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.testing.LogReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads what sources wrote to a topic, for assertions. */
public final class TopicContents {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TopicContents() {}

  /** The value of {@code field} of every record's JSON value, over all partitions. */
  public static List<String> field(Log log, String topic, String field) {
    List<String> values = new ArrayList<>();
    for (PartitionLog partition : log.partitions(topic)) {
      for (LogRecord record : LogReader.readAll(partition)) {
        try {
          values.add(MAPPER.readTree(record.value()).path(field).asText());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return values;
  }
}
