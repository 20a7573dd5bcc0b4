package io.millrace.engine.task;

import io.millrace.engine.sink.Sink;
import io.millrace.engine.sink.SinkDelivery;

/** Where one output of a task goes. */
public sealed interface OutputTarget {

  /** The output's name, for dead-letter headers and status. */
  String name();

  /** Records are appended to a topic of the log. */
  record ToTopic(String name, String topic) implements OutputTarget {}

  /**
   * Records are delivered to a destination outside the log, one batch at a time, through {@code
   * delivery} (which retries); records it rejects become dead letters. The task owns both: it
   * closes the delivery when it stops, and its creator closes the sink after that.
   */
  record ToSink(String name, Sink sink, SinkDelivery delivery) implements OutputTarget {}
}
