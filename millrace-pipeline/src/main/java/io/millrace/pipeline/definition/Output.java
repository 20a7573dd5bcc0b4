package io.millrace.pipeline.definition;

/**
 * A named place processed records go: a topic ({@link TopicOutput}) or a destination outside the
 * log ({@link SinkOutput}).
 */
public sealed interface Output {

  /** The name processors (route) refer to. */
  String name();

  SourcePosition position();

  /** Records are appended to a topic. */
  record TopicOutput(String name, TopicRef topic, SourcePosition position) implements Output {}

  /**
   * Records are delivered outside the log by a sink ({@code io.millrace.engine.sink.Sink}), created
   * by the runtime's {@code SinkFactory}: PostgreSQL, an HTTP endpoint, or files.
   */
  sealed interface SinkOutput extends Output permits PostgresOutput, HttpOutput, FileOutput {}
}
