package io.millrace.log;

/** A partition of a topic: the unit of ordering, storage and parallelism. */
public record TopicPartition(String topic, int partition) {

  public TopicPartition {
    if (topic == null || partition < 0) {
      throw new IllegalArgumentException("bad topic partition " + topic + "-" + partition);
    }
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}
