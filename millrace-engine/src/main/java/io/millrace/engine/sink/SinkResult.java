package io.millrace.engine.sink;

import java.util.List;

/**
 * The outcome of one {@link Sink#write}: every record not listed in {@code rejected} was delivered.
 */
public record SinkResult(List<Rejected> rejected) {

  /** A record the destination can never accept, by its index in the written batch. */
  public record Rejected(int index, String reason) {}

  private static final SinkResult DELIVERED = new SinkResult(List.of());

  public SinkResult {
    rejected = List.copyOf(rejected);
  }

  /** Every record delivered. */
  public static SinkResult delivered() {
    return DELIVERED;
  }

  public boolean allDelivered() {
    return rejected.isEmpty();
  }
}
