package io.millrace.pipeline.definition;

import java.util.List;

/**
 * Where a pipeline reads from: one or more topics, all in one format.
 *
 * @param csv the CSV settings when {@code format} is CSV, else null
 */
public record Input(
    List<TopicRef> topics, InputFormat format, CsvOptions csv, SourcePosition position) {

  public static final int MAX_TOPICS = 64;

  public Input {
    topics = List.copyOf(topics);
  }
}
