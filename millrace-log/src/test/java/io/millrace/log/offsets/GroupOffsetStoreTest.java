package io.millrace.log.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.TopicPartition;
import io.millrace.log.offsets.GroupOffsetStore.CommittedOffset;
import io.millrace.log.testing.LogExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupOffsetStoreTest {

  private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
  private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
  private static final TopicPartition PAYMENTS_0 = new TopicPartition("payments", 0);

  @RegisterExtension final LogExtension logs = new LogExtension();

  /** The offsets topic keeps the log's defaults: group commit on the system clock. */
  private Log open() throws IOException {
    return logs.open(LogOptions.defaults(logs.dataDirectory()).withFileDeleteDelayMs(0));
  }

  private static void commit(
      GroupOffsetStore store, String group, Map<TopicPartition, CommittedOffset> offsets)
      throws Exception {
    store.commit(group, offsets).get(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldFetchWhatWasCommitted() throws Exception {
    GroupOffsetStore store = open().offsetStore();

    commit(
        store,
        "billing",
        Map.of(
            ORDERS_0,
            new CommittedOffset(42, 3, "m", 1000),
            ORDERS_1,
            new CommittedOffset(7, -1, null, 1001)));

    assertThat(store.fetch("billing"))
        .containsOnly(
            Map.entry(ORDERS_0, new CommittedOffset(42, 3, "m", 1000)),
            Map.entry(ORDERS_1, new CommittedOffset(7, -1, null, 1001)));
    assertThat(store.fetch("billing", ORDERS_1)).contains(new CommittedOffset(7, -1, null, 1001));
    assertThat(store.fetch("billing", PAYMENTS_0)).isEmpty();
    assertThat(store.fetch("nobody")).isEmpty();
    assertThat(store.fetch("nobody", ORDERS_0)).isEmpty();
    assertThat(store.groups()).containsExactly("billing");
  }

  @Test
  void shouldKeepTheLatestCommitPerPartition() throws Exception {
    GroupOffsetStore store = open().offsetStore();

    commit(store, "billing", Map.of(ORDERS_0, new CommittedOffset(1, 0, null, 1)));
    commit(store, "billing", Map.of(ORDERS_0, new CommittedOffset(2, 0, null, 2)));
    commit(store, "billing", Map.of(ORDERS_1, new CommittedOffset(9, 0, null, 3)));

    assertThat(store.fetch("billing", ORDERS_0)).contains(new CommittedOffset(2, 0, null, 2));
    assertThat(store.fetch("billing")).hasSize(2);
  }

  @Test
  void shouldKeepGroupsApart() throws Exception {
    GroupOffsetStore store = open().offsetStore();

    commit(store, "billing", Map.of(ORDERS_0, new CommittedOffset(1, 0, null, 1)));
    commit(store, "shipping", Map.of(ORDERS_0, new CommittedOffset(5, 0, null, 1)));

    assertThat(store.fetch("billing", ORDERS_0).orElseThrow().offset()).isEqualTo(1);
    assertThat(store.fetch("shipping", ORDERS_0).orElseThrow().offset()).isEqualTo(5);
    assertThat(store.groups()).containsExactly("billing", "shipping");
  }

  @Test
  void shouldDeleteChosenPartitionsOfAGroup() throws Exception {
    GroupOffsetStore store = open().offsetStore();
    commit(
        store,
        "billing",
        Map.of(
            ORDERS_0, new CommittedOffset(1, 0, null, 1),
            ORDERS_1, new CommittedOffset(2, 0, null, 1),
            PAYMENTS_0, new CommittedOffset(3, 0, null, 1)));

    store.delete("billing", List.of(ORDERS_0, PAYMENTS_0)).get(10, TimeUnit.SECONDS);

    assertThat(store.fetch("billing")).containsOnlyKeys(ORDERS_1);
  }

  @Test
  void shouldForgetAGroupWithAllItsCommits() throws Exception {
    GroupOffsetStore store = open().offsetStore();
    commit(
        store,
        "billing",
        Map.of(
            ORDERS_0,
            new CommittedOffset(1, 0, null, 1),
            ORDERS_1,
            new CommittedOffset(2, 0, null, 1)));
    commit(store, "shipping", Map.of(ORDERS_0, new CommittedOffset(5, 0, null, 1)));

    store.deleteGroup("billing").get(10, TimeUnit.SECONDS);

    assertThat(store.fetch("billing")).isEmpty();
    assertThat(store.groups()).containsExactly("shipping");
    assertThat(store.deleteGroup("never-existed")).isDone();
  }

  @Test
  void shouldAnswerEmptyRequestsAtOnce() throws Exception {
    GroupOffsetStore store = open().offsetStore();

    assertThat(store.commit("billing", Map.of())).isDone();
    assertThat(store.delete("billing", List.of())).isDone();
    assertThat(store.groups()).isEmpty();
  }

  @Test
  void shouldKeepCommitsAndDeletionsAcrossReopen() throws Exception {
    Log log = open();
    GroupOffsetStore store = log.offsetStore();
    commit(
        store,
        "billing",
        Map.of(
            ORDERS_0, new CommittedOffset(10, 2, null, 100),
            ORDERS_1, new CommittedOffset(11, 2, "", 101),
            PAYMENTS_0, new CommittedOffset(12, 2, "résumé ✓", 102)));
    commit(store, "billing", Map.of(ORDERS_0, new CommittedOffset(20, 3, "later", 200)));
    store.delete("billing", List.of(ORDERS_1)).get(10, TimeUnit.SECONDS);
    commit(store, "gone", Map.of(ORDERS_0, new CommittedOffset(1, 0, null, 1)));
    store.deleteGroup("gone").get(10, TimeUnit.SECONDS);
    commit(store, "empty-metadata", Map.of(ORDERS_1, new CommittedOffset(5, 0, "", 5)));

    GroupOffsetStore reopened = logs.reopen(log).offsetStore();

    assertThat(reopened.groups()).containsExactly("billing", "empty-metadata");
    assertThat(reopened.fetch("billing"))
        .containsOnly(
            Map.entry(ORDERS_0, new CommittedOffset(20, 3, "later", 200)),
            Map.entry(PAYMENTS_0, new CommittedOffset(12, 2, "résumé ✓", 102)));
    assertThat(reopened.fetch("empty-metadata", ORDERS_1).orElseThrow().metadata()).isEmpty();
    assertThat(reopened.fetch("billing", PAYMENTS_0).orElseThrow().metadata()).isNotNull();
    assertThat(reopened.fetch("billing", ORDERS_0).orElseThrow().metadata()).isEqualTo("later");
  }

  @Test
  void shouldKeepNullMetadataNullAcrossReopen() throws Exception {
    Log log = open();
    commit(log.offsetStore(), "billing", Map.of(ORDERS_0, new CommittedOffset(1, 0, null, 1)));

    GroupOffsetStore reopened = logs.reopen(log).offsetStore();

    assertThat(reopened.fetch("billing", ORDERS_0).orElseThrow().metadata()).isNull();
  }

  @Test
  void shouldKeepCommitsAcrossACrashAndAfterCompaction() throws Exception {
    Log log = open();
    log.alterTopicConfig(
        GroupOffsetStore.TOPIC, Map.of(io.millrace.log.TopicConfig.SEGMENT_BYTES, "500"));
    GroupOffsetStore store = log.offsetStore();
    Map<String, Long> expected = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      String group = "group-" + (i % 13);
      commit(store, group, Map.of(ORDERS_0, new CommittedOffset(i, 0, null, i)));
      expected.put(group, (long) i);
    }
    for (int p = 0; p < log.partitions(GroupOffsetStore.TOPIC).size(); p++) {
      log.compactNow(new TopicPartition(GroupOffsetStore.TOPIC, p));
    }
    Path crashed = logs.crashCopy();

    GroupOffsetStore recovered =
        logs.open(LogOptions.defaults(crashed).withFileDeleteDelayMs(0)).offsetStore();

    assertThat(recovered.groups()).hasSize(13);
    for (Map.Entry<String, Long> group : expected.entrySet()) {
      assertThat(recovered.fetch(group.getKey(), ORDERS_0).orElseThrow().offset())
          .isEqualTo(group.getValue());
    }
  }

  @Test
  void shouldPutEveryGroupOnOneStablePartition() throws Exception {
    Log log = open();
    GroupOffsetStore store = log.offsetStore();
    int partitions = log.partitions(GroupOffsetStore.TOPIC).size();
    Set<Integer> used = new java.util.HashSet<>();

    for (int i = 0; i < 200; i++) {
      int partition = store.partitionFor("group-" + i);
      assertThat(partition).isBetween(0, partitions - 1);
      assertThat(store.partitionFor("group-" + i)).isEqualTo(partition);
      used.add(partition);
    }

    assertThat(used).hasSize(partitions);
    assertThat(store.partitionFor("\u0000")).isBetween(0, partitions - 1);
  }

  @Test
  void shouldOpenAndSkipRecordsOfTheOffsetsTopicItCannotRead() throws Exception {
    Log log = open();
    GroupOffsetStore store = log.offsetStore();
    commit(store, "billing", Map.of(ORDERS_0, new CommittedOffset(1, 0, null, 1)));
    int partition = store.partitionFor("billing");
    // Anyone with the partition can append to the internal topic: a key too short to parse and
    // a value cut off after its version.
    io.millrace.log.PartitionLog offsets =
        log.partition(new TopicPartition(GroupOffsetStore.TOPIC, partition));
    assertThat(offsets.append(io.millrace.log.testing.Batches.keyed("x", "y", 1)).isOk()).isTrue();
    assertThat(
            offsets
                .append(
                    io.millrace.log.format.BatchBuilder.build(
                        io.millrace.log.format.Codec.NONE,
                        List.of(
                            new io.millrace.log.format.BatchBuilder.NewRecord(
                                1,
                                GroupOffsetStore.encodeKey("billing", ORDERS_1),
                                new byte[] {0, 1, 0, 0}))))
                .isOk())
        .isTrue();
    commit(store, "billing", Map.of(PAYMENTS_0, new CommittedOffset(3, 0, null, 3)));

    GroupOffsetStore reopened = logs.reopen(log).offsetStore();

    assertThat(reopened.fetch("billing")).containsOnlyKeys(ORDERS_0, PAYMENTS_0);
  }
}
