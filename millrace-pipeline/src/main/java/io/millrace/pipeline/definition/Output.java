package io.millrace.pipeline.definition;

/**
 * A named place processed records go: a topic ({@link TopicOutput}), a view ({@link ViewOutput}) or
 * a destination outside the log ({@link SinkOutput}).
 */
public sealed interface Output {

  /** The name processors (route) refer to. */
  String name();

  SourcePosition position();

  /** Records are appended to a topic. */
  record TopicOutput(String name, TopicRef topic, SourcePosition position) implements Output {}

  /**
   * Records upsert the latest value per key of a view (a null value deletes). The runtime calls
   * {@code ViewCatalog.ensureView(view, ttlMs)} at deploy and appends to the view's changelog
   * topic, which it need not exist before (so the validator does not check it).
   *
   * @param ttlMs rows older than this (by record timestamp) read as absent; 0 = no TTL
   */
  record ViewOutput(String name, String view, long ttlMs, SourcePosition position)
      implements Output {
    /** The longest TTL: about 100 years. */
    public static final long MAX_TTL_MS = 100L * 365 * 24 * 3600 * 1000;
  }

  /**
   * Records are delivered outside the log by a sink ({@code io.millrace.engine.sink.Sink}), created
   * by the runtime's {@code SinkFactory}: PostgreSQL, an HTTP endpoint, or files.
   */
  sealed interface SinkOutput extends Output permits PostgresOutput, HttpOutput, FileOutput {}
}
