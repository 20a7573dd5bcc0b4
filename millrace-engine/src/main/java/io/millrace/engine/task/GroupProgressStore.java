package io.millrace.engine.task;

import io.millrace.common.Clock;
import io.millrace.log.TopicPartition;
import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.offsets.GroupOffsetStore.CommittedOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Progress kept as consumer-group offsets in the log's offset store, so standard Kafka tools
 * ({@code kafka-consumer-groups.sh --describe}) show a pipeline's position and lag.
 */
public final class GroupProgressStore implements ProgressStore {

  private final GroupOffsetStore offsets;
  private final String group;
  private final Clock clock;

  public GroupProgressStore(GroupOffsetStore offsets, String group, Clock clock) {
    this.offsets = offsets;
    this.group = group;
    this.clock = clock;
  }

  public String group() {
    return group;
  }

  @Override
  public long committedOffset(TopicPartition source) {
    return offsets.fetch(group, source).map(CommittedOffset::offset).orElse(-1L);
  }

  @Override
  public CompletableFuture<Void> commit(TopicPartition source, long nextOffset) {
    return offsets.commit(
        group, Map.of(source, new CommittedOffset(nextOffset, -1, "", clock.millis())));
  }
}
