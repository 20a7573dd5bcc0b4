package io.millrace.pipeline.definition;

/**
 * A named place processed records go. Only {@link TopicOutput} exists today; views and sinks will
 * be further record types of this sealed interface.
 */
public sealed interface Output {

  /** The name processors (route) refer to. */
  String name();

  SourcePosition position();

  /** Records are appended to a topic. */
  record TopicOutput(String name, TopicRef topic, SourcePosition position) implements Output {}
}
