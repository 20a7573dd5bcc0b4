package io.millrace.kafka.group;

/** The life of a classic consumer group, as Kafka's group coordinator runs it. */
public enum GroupState {
  /** No members; committed offsets may still exist. */
  EMPTY("Empty"),
  /**
   * Members are (re)joining; joins are held until all known members have rejoined or time runs out.
   */
  PREPARING_REBALANCE("PreparingRebalance"),
  /** Joins answered; waiting for the leader's assignment in SyncGroup. */
  COMPLETING_REBALANCE("CompletingRebalance"),
  /** Every member has its assignment; heartbeats keep it so. */
  STABLE("Stable"),
  /** Deleted. */
  DEAD("Dead");

  private final String kafkaName;

  GroupState(String kafkaName) {
    this.kafkaName = kafkaName;
  }

  /** The name Kafka tools print (ListGroups, DescribeGroups). */
  public String kafkaName() {
    return kafkaName;
  }
}
