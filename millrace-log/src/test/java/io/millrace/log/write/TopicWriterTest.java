package io.millrace.log.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.CleanupPolicy;
import io.millrace.log.FlushPolicy;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.format.LogRecord;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.Seeds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TopicWriterTest {

  @RegisterExtension final LogExtension logs = new LogExtension();

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldPlaceKeyedRecordsWhereKafkasPartitionerDoes() {
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      byte[] key = new byte[random.nextInt(40)];
      random.nextBytes(key);
      int partitions = 1 + random.nextInt(64);
      assertThat(KafkaPartitioner.murmur2(key)).isEqualTo(Utils.murmur2(key));
      assertThat(KafkaPartitioner.partitionOf(key, partitions))
          .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
    }
  }

  @Test
  void shouldStoreEveryRecordWithOffsetsReportedPerRecord() throws Exception {
    writeRandomlyAndCheck(Map.of(), 30);
  }

  /** A call's records for one partition larger than max.message.bytes go as several batches. */
  @Test
  void shouldSplitAPartitionsRecordsIntoBatchesWithinMaxMessageBytes() throws Exception {
    Log log = writeRandomlyAndCheck(Map.of(TopicConfig.MAX_MESSAGE_BYTES, "2048"), 200);
    int batches = 0;
    for (PartitionLog partition : log.partitions("t")) {
      for (LogReader.StoredBatch batch : LogReader.readBatches(partition, 0, () -> 1 << 20)) {
        assertThat(batch.bytes().remaining()).isLessThanOrEqualTo(2048);
        batches++;
      }
    }
    assertThat(batches).as("more batches than the 50 calls made").isGreaterThan(50);
  }

  @Test
  void shouldRefuseARecordLargerThanMaxMessageBytesAndStoreNothing() throws Exception {
    Log log = logs.open();
    log.createTopic("t", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "2048"));
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    List<WriteRecord> records =
        List.of(
            new WriteRecord(WriteRecord.ANY_PARTITION, null, new byte[100], List.of(), 1L),
            new WriteRecord(WriteRecord.ANY_PARTITION, null, new byte[3000], List.of(), 1L));

    WriteResult result = writer.tryWrite("t", records);

    assertThat(result.status()).isEqualTo(WriteStatus.RECORD_TOO_LARGE);
    assertThat(log.partition(new io.millrace.log.TopicPartition("t", 0)).logEndOffset()).isZero();
  }

  private Log writeRandomlyAndCheck(Map<String, String> topicConfig, int maxRecordsPerCall)
      throws Exception {
    long seed = Seeds.fresh(1).get(0);
    List<Log> opened = new ArrayList<>();
    Seeds.run(
        "random writes",
        seed,
        s -> {
          Log log = logs.open();
          opened.add(log);
          log.createTopic("t", 4, topicConfig);
          TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
          Random random = new Random(s);
          List<List<LogRecord>> expected = new ArrayList<>();
          for (int p = 0; p < 4; p++) {
            expected.add(new ArrayList<>());
          }
          for (int call = 0; call < 50; call++) {
            List<WriteRecord> records =
                randomRecords(random, 1 + random.nextInt(maxRecordsPerCall));
            WriteResult result = writer.tryWrite("t", records);
            assertThat(result.status()).isEqualTo(WriteStatus.OK);
            result.durable().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < records.size(); i++) {
              WriteRecord record = records.get(i);
              int partition = result.partitions()[i];
              if (record.key() != null && record.partition() == WriteRecord.ANY_PARTITION) {
                assertThat(partition).isEqualTo(Utils.toPositive(Utils.murmur2(record.key())) % 4);
              }
              expected
                  .get(partition)
                  .add(
                      new LogRecord(
                          result.offsets()[i],
                          record.timestampMs(),
                          record.key(),
                          record.value(),
                          record.headers()));
            }
          }
          for (int p = 0; p < 4; p++) {
            List<LogRecord> stored =
                LogReader.readAll(log.partition(new io.millrace.log.TopicPartition("t", p)));
            List<LogRecord> want = new ArrayList<>(expected.get(p));
            want.sort(java.util.Comparator.comparingLong(LogRecord::offset));
            assertThat(stored).as("partition " + p).isEqualTo(want);
          }
        });
    return opened.get(opened.size() - 1);
  }

  private static List<WriteRecord> randomRecords(Random random, int count) {
    List<WriteRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = random.nextInt(3) == 0 ? null : bytes("key-" + random.nextInt(100));
      byte[] value = random.nextInt(10) == 0 ? null : new byte[random.nextInt(300)];
      if (value != null) {
        random.nextBytes(value);
      }
      List<LogRecord.Header> headers = new ArrayList<>();
      for (int h = random.nextInt(3); h > 0; h--) {
        headers.add(
            new LogRecord.Header(
                random.nextBoolean() ? "h" + h : "ünï-€-\uD83D\uDE00" + h,
                random.nextBoolean() ? null : bytes("v" + h)));
      }
      int partition = random.nextInt(5) == 0 ? random.nextInt(4) : WriteRecord.ANY_PARTITION;
      long timestamp = LogExtension.START_MS + random.nextInt(1_000_000) - 500_000;
      records.add(new WriteRecord(partition, key, value, headers, timestamp));
    }
    return records;
  }

  @Test
  void whenKeyless_thenOneCallGoesToOnePartitionAndCallsRoundRobin() throws Exception {
    Log log = logs.open();
    log.createTopic("t", 3, Map.of());
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    Set<Integer> used = new HashSet<>();
    for (int call = 0; call < 3; call++) {
      WriteResult result =
          writer.tryWrite(
              "t", List.of(WriteRecord.of(null, bytes("a")), WriteRecord.of(null, null)));
      assertThat(result.partitions()[0]).isEqualTo(result.partitions()[1]);
      assertThat(result.offsets()[1]).isEqualTo(result.offsets()[0] + 1);
      used.add(result.partitions()[0]);
    }
    assertThat(used).containsExactlyInAnyOrder(0, 1, 2);
  }

  @Test
  void whenAnyRecordIsBad_thenNothingOfTheCallIsStored() throws Exception {
    Log log = logs.open();
    log.createTopic("t", 2, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "2000"));
    log.createTopic(
        "compacted", 2, Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName()));
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    WriteRecord good = new WriteRecord(0, bytes("k"), bytes("v"), List.of(), WriteRecord.NOW);

    assertThat(
            writer
                .tryWrite(
                    "t",
                    List.of(good, new WriteRecord(2, null, bytes("v"), List.of(), WriteRecord.NOW)))
                .status())
        .isEqualTo(WriteStatus.INVALID_PARTITION);
    assertThat(
            writer
                .tryWrite(
                    "t", List.of(good, new WriteRecord(1, null, new byte[3000], List.of(), 0L)))
                .status())
        .isEqualTo(WriteStatus.RECORD_TOO_LARGE);
    assertThat(
            writer
                .tryWrite("compacted", List.of(good, WriteRecord.of(null, bytes("no key"))))
                .status())
        .isEqualTo(WriteStatus.INVALID_RECORD);
    assertThat(writer.tryWrite("nope", List.of(good)).status())
        .isEqualTo(WriteStatus.UNKNOWN_TOPIC);
    assertThat(writer.tryWrite("t", List.of()).status()).isEqualTo(WriteStatus.REQUEST_TOO_LARGE);

    for (String topic : List.of("t", "compacted")) {
      for (PartitionLog partition : log.partitions(topic)) {
        assertThat(partition.logEndOffset()).as(partition.toString()).isZero();
      }
    }
    assertThat(writer.pendingBytes()).isZero();
  }

  @Test
  void whenBudgetIsFull_thenBackPressuredUntilDurable() throws Exception {
    Log log = logs.open();
    log.createTopic(
        "t",
        2,
        Map.of(
            TopicConfig.FLUSH_POLICY,
            FlushPolicy.GROUP_COMMIT.configName(),
            TopicConfig.FLUSH_INTERVAL_MS,
            "3600000"));
    TopicWriter writer = new TopicWriter(log, new WriterOptions(20_000, 10_000, 1_000, 10_000));
    List<WriteRecord> toPartition0 =
        List.of(new WriteRecord(0, null, new byte[1_000], List.of(), WriteRecord.NOW));
    WriteResult result = null;
    int written = 0;
    for (int i = 0; i < 100; i++) {
      result = writer.tryWrite("t", toPartition0);
      if (result.status() != WriteStatus.OK) {
        break;
      }
      written++;
    }
    assertThat(result.status()).isEqualTo(WriteStatus.BACK_PRESSURED);
    assertThat(written).isBetween(1, 10);
    PartitionLog partition0 = log.partitions("t").get(0);
    long endBefore = partition0.logEndOffset();
    assertThat(writer.tryWrite("t", toPartition0).status()).isEqualTo(WriteStatus.BACK_PRESSURED);
    assertThat(partition0.logEndOffset()).isEqualTo(endBefore);

    // Partition 1 has its own budget: it still takes writes while partition 0 is full.
    assertThat(
            writer
                .tryWrite(
                    "t",
                    List.of(new WriteRecord(1, null, new byte[1_000], List.of(), WriteRecord.NOW)))
                .status())
        .isEqualTo(WriteStatus.OK);

    var capacity = writer.onCapacity();
    partition0.flush();
    capacity.get(10, TimeUnit.SECONDS);
    assertThat(writer.tryWrite("t", toPartition0).status()).isEqualTo(WriteStatus.OK);
  }

  @Test
  void whenOnePartitionIsFull_thenABackPressuredCallHoldsNoBudgetAnywhere() throws Exception {
    Log log = logs.open();
    log.createTopic(
        "t",
        2,
        Map.of(
            TopicConfig.FLUSH_POLICY,
            FlushPolicy.GROUP_COMMIT.configName(),
            TopicConfig.FLUSH_INTERVAL_MS,
            "3600000"));
    TopicWriter writer = new TopicWriter(log, new WriterOptions(100_000, 5_000, 1_000, 5_000));
    WriteResult filling =
        writer.tryWrite(
            "t", List.of(new WriteRecord(0, null, new byte[4_500], List.of(), WriteRecord.NOW)));
    assertThat(filling.status()).isEqualTo(WriteStatus.OK);
    long pending = writer.pendingBytes();

    WriteResult spanning =
        writer.tryWrite(
            "t",
            List.of(
                new WriteRecord(1, null, new byte[100], List.of(), WriteRecord.NOW),
                new WriteRecord(0, null, new byte[1_000], List.of(), WriteRecord.NOW)));

    assertThat(spanning.status()).isEqualTo(WriteStatus.BACK_PRESSURED);
    assertThat(writer.pendingBytes()).isEqualTo(pending);
    assertThat(log.partitions("t").get(1).logEndOffset()).isZero();
  }

  @Test
  void whenTheDiskFillsMidCall_thenResultSaysWhichRecordsWereStored() throws Exception {
    io.millrace.log.testing.FaultInjectingFileIo disk =
        new io.millrace.log.testing.FaultInjectingFileIo();
    Log log = logs.open(logs.options().withFileIo(disk));
    log.createTopic("t", 2, Map.of());
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    List<WriteRecord> records =
        List.of(
            new WriteRecord(0, null, bytes("small"), List.of(), WriteRecord.NOW),
            new WriteRecord(1, null, new byte[5_000], List.of(), WriteRecord.NOW));
    disk.limitFreeBytes(1_000);

    WriteResult result = writer.tryWrite("t", records);

    assertThat(result.status()).isEqualTo(WriteStatus.STORAGE_ERROR);
    assertThat(result.status().isRetriable()).isTrue();
    assertThat(result.offsets()[0]).isZero();
    assertThat(result.offsets()[1]).isEqualTo(-1);
    assertThat(result.storedCount()).isEqualTo(1);
    result.durable().get(10, TimeUnit.SECONDS);
    assertThat(writer.pendingBytes()).isZero();
    assertThat(log.partitions("t").get(1).logEndOffset()).isZero();

    disk.spaceReturns();
    WriteResult retry = writer.tryWrite("t", List.of(records.get(1)));
    assertThat(retry.status()).isEqualTo(WriteStatus.OK);
    assertThat(retry.offsets()[0]).isZero();
  }
}
