package io.millrace.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The coordinator's rules for offset commits across a rebalance, without a network. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GroupCoordinatorTest {

  private static final String GROUP = "readers";

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final GroupCoordinator coordinator = new GroupCoordinator(scheduler, 0);

  @AfterEach
  void stop() {
    coordinator.close();
    scheduler.shutdownNow();
  }

  private CompletableFuture<JoinGroupResponseData> join(String memberId, String clientId) {
    return coordinator.join(
        new GroupCoordinator.Join(
            GROUP,
            memberId,
            null,
            clientId,
            "/127.0.0.1",
            30_000,
            30_000,
            "consumer",
            Map.of("range", new byte[0]),
            false));
  }

  /**
   * librdkafka commits the offsets of the partitions it gives up before it rejoins, so that commit
   * arrives while the group is preparing the rebalance; Kafka stores it. Refusing it made the next
   * owner of those partitions read them again.
   */
  @Test
  void shouldAcceptCommitOfCurrentGenerationWhileRebalanceIsBeingPrepared() throws Exception {
    JoinGroupResponseData first = join("", "a").get(10, TimeUnit.SECONDS);
    String firstId = first.memberId();
    int generation = first.generationId();
    assertThat(
            coordinator
                .sync(GROUP, generation, firstId, Map.of(firstId, new byte[0]))
                .get(10, TimeUnit.SECONDS)
                .errorCode())
        .isZero();
    assertThat(coordinator.validateCommit(GROUP, generation, firstId)).isEqualTo(Errors.NONE);

    CompletableFuture<JoinGroupResponseData> second = join("", "b");
    assertThat(coordinator.describe(GROUP).state()).isEqualTo(GroupState.PREPARING_REBALANCE);
    assertThat(coordinator.heartbeat(GROUP, generation, firstId))
        .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(coordinator.validateCommit(GROUP, generation, firstId)).isEqualTo(Errors.NONE);

    JoinGroupResponseData rejoined = join(firstId, "a").get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
    assertThat(rejoined.generationId()).isEqualTo(generation + 1);
    assertThat(coordinator.describe(GROUP).state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
    assertThat(coordinator.validateCommit(GROUP, rejoined.generationId(), firstId))
        .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(coordinator.validateCommit(GROUP, generation, firstId))
        .isEqualTo(Errors.ILLEGAL_GENERATION);
  }
}
