package io.millrace.log;

import java.util.Map;
import java.util.UUID;

/**
 * A topic as the log knows it.
 *
 * @param topicId a random id given at creation, never reused (Kafka's topic id)
 * @param config the effective configuration (defaults with overrides applied)
 * @param overrides only the settings set on this topic
 */
public record TopicDescription(
    String name, UUID topicId, int partitions, TopicConfig config, Map<String, String> overrides) {

  public TopicDescription {
    overrides = Map.copyOf(overrides);
  }

  /** True for the log's own topics (names starting with two underscores). */
  public boolean isInternal() {
    return name.startsWith("__");
  }
}
