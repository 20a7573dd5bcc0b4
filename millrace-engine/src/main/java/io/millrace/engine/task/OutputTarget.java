package io.millrace.engine.task;

/** Where one output of a task goes. */
public sealed interface OutputTarget {

  /** The output's name, for dead-letter headers and status. */
  String name();

  /** Records are appended to a topic of the log. */
  record ToTopic(String name, String topic) implements OutputTarget {}
}
