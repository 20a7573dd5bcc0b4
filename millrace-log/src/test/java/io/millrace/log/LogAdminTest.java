package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.log.format.LogRecord;
import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LockProbe;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LogAdminTest {

  @RegisterExtension final LogExtension logs = new LogExtension();

  private static void assertRefused(
      ThrowingCallable call, InvalidRequestException.Reason reason, String... messageParts) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.isRetriable()).isFalse();
              for (String part : messageParts) {
                assertThat(e.getMessage()).contains(part);
              }
            });
  }

  @Test
  void shouldCreateATopicWithItsOverridesAndDefaults() throws IOException {
    Log log = logs.open();

    TopicDescription created =
        log.createTopic("orders", 3, Map.of(TopicConfig.RETENTION_MS, "1000"));

    assertThat(created.partitions()).isEqualTo(3);
    assertThat(created.overrides()).containsExactly(Map.entry(TopicConfig.RETENTION_MS, "1000"));
    assertThat(created.config().retentionMs()).isEqualTo(1000);
    assertThat(created.config().segmentBytes()).isEqualTo(TopicConfig.DEFAULTS.segmentBytes());
    assertThat(log.describeTopic("orders")).contains(created);
    assertThat(log.topicNames()).containsExactly(GroupOffsetStore.TOPIC, "orders");
    assertThat(log.partitions("orders")).hasSize(3);
    assertThat(log.partition(new TopicPartition("orders", 2)).config()).isEqualTo(created.config());
  }

  @Test
  void shouldKeepTopicsAndTheirSettingsAcrossReopen() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 2, Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
    log.partition(new TopicPartition("orders", 1)).append(Batches.keyed("k", "v", 1));

    Log reopened = logs.reopen(log);

    TopicDescription description = reopened.describeTopic("orders").orElseThrow();
    assertThat(description.partitions()).isEqualTo(2);
    assertThat(description.config().cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
    assertThat(description.overrides()).containsOnlyKeys(TopicConfig.CLEANUP_POLICY);
    assertThat(LogReader.readAll(reopened.partition(new TopicPartition("orders", 1)))).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "a b", "é", "orders*", "../escape"})
  void shouldRefuseBadTopicNames(String name) throws IOException {
    Log log = logs.open();

    assertRefused(
        () -> log.createTopic(name, 1, Map.of()),
        InvalidRequestException.Reason.INVALID_TOPIC_NAME,
        "invalid topic name");
    assertThat(log.topicNames()).containsExactly(GroupOffsetStore.TOPIC);
  }

  @Test
  void shouldRefuseNullAndOverlongTopicNamesAndAcceptTheLongestLegalOne() throws IOException {
    Log log = logs.open();

    assertRefused(
        () -> log.createTopic(null, 1, Map.of()),
        InvalidRequestException.Reason.INVALID_TOPIC_NAME);
    assertRefused(
        () -> log.createTopic("a".repeat(250), 1, Map.of()),
        InvalidRequestException.Reason.INVALID_TOPIC_NAME);
    assertThat(log.createTopic("a".repeat(249), 1, Map.of()).name()).hasSize(249);
    assertThat(log.createTopic("Orders_v2.eu-west-1", 1, Map.of())).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 100_001})
  void shouldRefuseBadPartitionCounts(int partitions) throws IOException {
    Log log = logs.open();

    assertRefused(
        () -> log.createTopic("orders", partitions, Map.of()),
        InvalidRequestException.Reason.INVALID_PARTITIONS,
        Integer.toString(partitions));
  }

  @Test
  void shouldRefuseAnExistingTopic() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 1, Map.of());

    assertRefused(
        () -> log.createTopic("orders", 2, Map.of()),
        InvalidRequestException.Reason.TOPIC_EXISTS,
        "orders");
    assertThat(log.describeTopic("orders").orElseThrow().partitions()).isOne();
  }

  @ParameterizedTest
  @CsvSource({
    "segment.bytes, 10",
    "segment.bytes, 3000000000",
    "segment.ms, 0",
    "retention.ms, -2",
    "retention.ms, soon",
    "retention.bytes, -5",
    "cleanup.policy, archive",
    "flush.policy, never",
    "flush.interval.ms, -1",
    "max.message.bytes, -1",
    "message.timestamp.type, WallClock",
    "delete.retention.ms, -1",
    "min.cleanable.dirty.ratio, 1.5",
    "min.cleanable.dirty.ratio, half",
    "index.interval.bytes, -1"
  })
  void shouldRefuseABadSettingNamingIt(String setting, String value) throws IOException {
    Log log = logs.open();

    assertRefused(
        () -> log.createTopic("orders", 1, Map.of(setting, value)),
        InvalidRequestException.Reason.INVALID_CONFIG,
        setting);
    assertThat(log.describeTopic("orders")).isEmpty();
    assertThat(logs.dataDirectory().resolve("topics").resolve("orders")).doesNotExist();
  }

  @Test
  void shouldTreatANullSettingAtCreationAsTheDefault() throws IOException {
    Log log = logs.open();
    Map<String, String> overrides = new HashMap<>();
    overrides.put(TopicConfig.RETENTION_MS, null); // Kafka's CreateTopics allows null values
    overrides.put(TopicConfig.SEGMENT_BYTES, "2000");

    TopicDescription created = log.createTopic("orders", 1, overrides);

    assertThat(created.overrides()).containsOnlyKeys(TopicConfig.SEGMENT_BYTES);
    assertThat(created.config().retentionMs()).isEqualTo(TopicConfig.DEFAULTS.retentionMs());
    assertThat(logs.reopen(log).describeTopic("orders")).contains(created);
  }

  @Test
  void shouldRefuseAnUnknownSettingNamingIt() throws IOException {
    Log log = logs.open();

    assertRefused(
        () -> log.createTopic("orders", 1, Map.of("compression.typo", "gzip")),
        InvalidRequestException.Reason.INVALID_CONFIG,
        "compression.typo");
  }

  @Test
  void shouldDeleteATopicAndItsData() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 2, Map.of());
    PartitionLog partition = log.partition(new TopicPartition("orders", 0));
    partition.append(Batches.numbered(0, 3, 1));

    log.deleteTopic("orders");

    assertThat(log.topicNames()).doesNotContain("orders");
    assertThat(log.describeTopic("orders")).isEmpty();
    assertRefused(
        () -> log.partition(new TopicPartition("orders", 0)),
        InvalidRequestException.Reason.UNKNOWN_TOPIC);
    assertThat(partition.append(Batches.numbered(0, 1, 1)).status()).isEqualTo(AppendStatus.CLOSED);
    assertThat(logs.dataDirectory().resolve("topics").resolve("orders")).doesNotExist();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> isEmptyOrMissing(logs.dataDirectory().resolve("trash")));
  }

  private static boolean isEmptyOrMissing(java.nio.file.Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return true;
    }
    try (var entries = Files.list(directory)) {
      return entries.findAny().isEmpty();
    }
  }

  @Test
  void shouldStartAFreshTopicUnderADeletedTopicsName() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 1, Map.of());
    log.partition(new TopicPartition("orders", 0)).append(Batches.numbered(0, 3, 1));
    log.deleteTopic("orders");

    log.createTopic("orders", 1, Map.of());
    Log reopened = logs.reopen(log);

    PartitionLog partition = reopened.partition(new TopicPartition("orders", 0));
    assertThat(partition.logEndOffset()).isZero();
    assertThat(LogReader.readAll(partition)).isEmpty();
  }

  @Test
  void shouldNotBringBackADeletedTopicOnReopen() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 1, Map.of());
    log.deleteTopic("orders");

    Log reopened = logs.reopen(log);

    assertThat(reopened.topicNames()).containsExactly(GroupOffsetStore.TOPIC);
  }

  @Test
  void shouldRefuseDeletingUnknownAndInternalTopics() throws IOException {
    Log log = logs.open();

    assertRefused(
        () -> log.deleteTopic("nope"), InvalidRequestException.Reason.UNKNOWN_TOPIC, "nope");
    assertRefused(
        () -> log.deleteTopic(GroupOffsetStore.TOPIC),
        InvalidRequestException.Reason.INVALID_TOPIC_NAME,
        GroupOffsetStore.TOPIC);
    assertThat(log.topicNames()).contains(GroupOffsetStore.TOPIC);
  }

  @Test
  void shouldAddPartitionsKeepingTheExistingData() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 2, Map.of(TopicConfig.SEGMENT_BYTES, "1000"));
    log.partition(new TopicPartition("orders", 1)).append(Batches.numbered(0, 3, 1));

    TopicDescription grown = log.createPartitions("orders", 4);

    assertThat(grown.partitions()).isEqualTo(4);
    assertThat(grown.overrides()).containsEntry(TopicConfig.SEGMENT_BYTES, "1000");
    PartitionLog added = log.partition(new TopicPartition("orders", 3));
    assertThat(added.config().segmentBytes()).isEqualTo(1000);
    assertThat(added.append(Batches.numbered(0, 2, 1)).baseOffset()).isZero();
    Log reopened = logs.reopen(log);
    assertThat(reopened.describeTopic("orders").orElseThrow().partitions()).isEqualTo(4);
    assertThat(LogReader.readAll(reopened.partition(new TopicPartition("orders", 1)))).hasSize(3);
    assertThat(LogReader.readAll(reopened.partition(new TopicPartition("orders", 3)))).hasSize(2);
  }

  @Test
  void shouldRefuseToShrinkOrKeepThePartitionCount() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 3, Map.of());

    assertRefused(
        () -> log.createPartitions("orders", 3),
        InvalidRequestException.Reason.INVALID_PARTITIONS,
        "3");
    assertRefused(
        () -> log.createPartitions("orders", 2), InvalidRequestException.Reason.INVALID_PARTITIONS);
    assertRefused(
        () -> log.createPartitions("nope", 5), InvalidRequestException.Reason.UNKNOWN_TOPIC);
    assertThat(log.partitions("orders")).hasSize(3);
  }

  @Test
  void shouldAlterSettingsAndKeepThemAcrossReopen() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 2, Map.of(TopicConfig.RETENTION_MS, "1000"));

    TopicDescription altered =
        log.alterTopicConfig(
            "orders",
            Map.of(TopicConfig.RETENTION_BYTES, "5000", TopicConfig.RETENTION_MS, "2000"));

    assertThat(altered.overrides())
        .containsOnly(
            Map.entry(TopicConfig.RETENTION_BYTES, "5000"),
            Map.entry(TopicConfig.RETENTION_MS, "2000"));
    for (PartitionLog partition : log.partitions("orders")) {
      assertThat(partition.config().retentionBytes()).isEqualTo(5000);
      assertThat(partition.config().retentionMs()).isEqualTo(2000);
    }
    Log reopened = logs.reopen(log);
    assertThat(reopened.describeTopic("orders").orElseThrow()).isEqualTo(altered);
    assertThat(reopened.partition(new TopicPartition("orders", 1)).config().retentionBytes())
        .isEqualTo(5000);
  }

  @Test
  void shouldResetASettingToItsDefaultWithNull() throws IOException {
    Log log = logs.open();
    log.createTopic(
        "orders", 1, Map.of(TopicConfig.RETENTION_MS, "1000", TopicConfig.SEGMENT_BYTES, "2000"));
    Map<String, String> reset = new HashMap<>();
    reset.put(TopicConfig.RETENTION_MS, null);

    TopicDescription altered = log.alterTopicConfig("orders", reset);

    assertThat(altered.overrides()).containsOnlyKeys(TopicConfig.SEGMENT_BYTES);
    assertThat(altered.config().retentionMs()).isEqualTo(TopicConfig.DEFAULTS.retentionMs());
    assertThat(log.partition(new TopicPartition("orders", 0)).config().retentionMs())
        .isEqualTo(TopicConfig.DEFAULTS.retentionMs());
    Log reopened = logs.reopen(log);
    assertThat(reopened.describeTopic("orders").orElseThrow().overrides())
        .containsOnlyKeys(TopicConfig.SEGMENT_BYTES);
  }

  @Test
  void shouldRefuseABadAlterationAndChangeNothing() throws IOException {
    Log log = logs.open();
    TopicDescription created =
        log.createTopic("orders", 1, Map.of(TopicConfig.RETENTION_MS, "1000"));
    Map<String, String> unknownReset = new HashMap<>();
    unknownReset.put("no.such.setting", null);

    assertRefused(
        () ->
            log.alterTopicConfig(
                "orders", Map.of(TopicConfig.RETENTION_MS, "5", TopicConfig.SEGMENT_BYTES, "1")),
        InvalidRequestException.Reason.INVALID_CONFIG,
        TopicConfig.SEGMENT_BYTES);
    assertRefused(
        () -> log.alterTopicConfig("orders", Map.of("retention.hours", "5")),
        InvalidRequestException.Reason.INVALID_CONFIG,
        "retention.hours");
    assertRefused(
        () -> log.alterTopicConfig("orders", unknownReset),
        InvalidRequestException.Reason.INVALID_CONFIG,
        "no.such.setting");
    assertRefused(
        () -> log.alterTopicConfig("nope", Map.of(TopicConfig.RETENTION_MS, "5")),
        InvalidRequestException.Reason.UNKNOWN_TOPIC);

    assertThat(log.describeTopic("orders")).contains(created);
    assertThat(log.partition(new TopicPartition("orders", 0)).config().retentionMs())
        .isEqualTo(1000);
    assertThat(logs.reopen(log).describeTopic("orders")).contains(created);
  }

  @Test
  void shouldRefuseChangingTheCleanupPolicyOfTheOffsetsTopic() throws IOException {
    Log log = logs.open();

    assertRefused(
        () ->
            log.alterTopicConfig(
                GroupOffsetStore.TOPIC, Map.of(TopicConfig.CLEANUP_POLICY, "delete")),
        InvalidRequestException.Reason.INVALID_CONFIG,
        "cleanup.policy");
    assertThat(log.describeTopic(GroupOffsetStore.TOPIC).orElseThrow().config().cleanupPolicy())
        .isEqualTo(CleanupPolicy.COMPACT);
  }

  @Test
  void shouldRefuseASecondOpenOfTheSameDirectory() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 1, Map.of());

    assertThatThrownBy(() -> logs.open())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in use");

    AppendResult stillWorks =
        log.partition(new TopicPartition("orders", 0)).append(Batches.numbered(0, 1, 1));
    assertThat(stillWorks.isOk()).isTrue();
    Log reopened = logs.reopen(log);
    assertThat(LogReader.readAll(reopened.partition(new TopicPartition("orders", 0))))
        .extracting(LogRecord::offset)
        .containsExactly(0L);
  }

  @Test
  @Tag("system")
  void shouldKeepTheDirectoryLockedForOtherProcessesAfterARefusedSecondOpen() throws Exception {
    Log log = logs.open();
    java.nio.file.Path lockFile = logs.dataDirectory().resolve(".lock");

    assertThatThrownBy(() -> logs.open()).isInstanceOf(IllegalStateException.class);

    assertThat(LockProbe.canLockFromAnotherProcess(lockFile)).isFalse();
    log.close();
    assertThat(LockProbe.canLockFromAnotherProcess(lockFile)).isTrue();
  }

  @Test
  void shouldRefuseAdminCallsOnceClosed() throws IOException {
    Log log = logs.open();
    log.createTopic("orders", 1, Map.of());
    log.close();
    log.close(); // idempotent

    assertThatThrownBy(() -> log.createTopic("other", 1, Map.of()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> log.deleteTopic("orders")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> log.alterTopicConfig("orders", Map.of()))
        .isInstanceOf(IllegalStateException.class);
    assertThat(Files.exists(logs.dataDirectory().resolve(".clean-shutdown"))).isTrue();
  }
}
