package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.LogRecord;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random puts, deletes (tombstones), compaction passes, clock moves, clean reopens and crashes on a
 * compacted topic. After every step: nothing readable was changed, every key's latest value is
 * readable, a deleted key shows at most its tombstone, and a tombstone is gone only once its delete
 * horizon could have passed.
 */
@ExtendWith(SeededRandomExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogCompactionModelTest {

  private static final String TOPIC = "state";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final long DELETE_RETENTION_MS = 5_000;

  @RegisterExtension final LogExtension logs = new LogExtension();

  private final Map<Long, LogRecord> written = new HashMap<>();
  private final Map<String, LogRecord> latest = new HashMap<>();
  private final List<String> steps = new ArrayList<>();
  private Log log;
  private PartitionLog partition;

  @RepeatedTest(3)
  void shouldKeepTheLatestStateOfEveryKeyThroughAnything(Random random) throws IOException {
    log = logs.open(logs.options().withCleanerMaxKeys(1 + random.nextInt(20)));
    log.createTopic(
        TOPIC,
        1,
        Map.of(
            TopicConfig.CLEANUP_POLICY, "compact",
            TopicConfig.SEGMENT_BYTES, Integer.toString(200 + random.nextInt(800)),
            TopicConfig.DELETE_RETENTION_MS, Long.toString(DELETE_RETENTION_MS)));
    partition = log.partition(TP);
    for (int step = 0; step < 300; step++) {
      int choice = random.nextInt(100);
      if (choice < 70) {
        put(random);
      } else if (choice < 85) {
        steps.add("compact");
        log.compactNow(TP);
      } else if (choice < 92) {
        long advance = random.nextInt(4000);
        steps.add("advance " + advance);
        logs.clock().advanceMillis(advance);
      } else if (choice < 96) {
        steps.add("reopen");
        log = logs.reopen(log);
        partition = log.partition(TP);
      } else {
        steps.add("crash");
        LogOptions crashed =
            logs.options(logs.crashCopy(log.options().dataDirectory()))
                .withCleanerMaxKeys(log.options().cleanerMaxKeys());
        log.close();
        log = logs.open(crashed);
        partition = log.partition(TP);
      }
      check();
    }
  }

  private void put(Random random) {
    String key = "k" + random.nextInt(15);
    String value = random.nextInt(6) == 0 ? null : "v" + written.size();
    steps.add("put " + key + "=" + value);
    AppendResult result = partition.append(Batches.keyed(key, value, logs.clock().millis()));
    assertThat(result.isOk()).as(result.message()).isTrue();
    LogRecord record =
        new LogRecord(
            result.baseOffset(),
            logs.clock().millis(),
            Batches.bytes(key),
            value == null ? null : Batches.bytes(value),
            List.of());
    written.put(record.offset(), record);
    latest.put(key, record);
  }

  private void check() {
    String context = "after " + steps;
    List<LogRecord> read = LogReader.readAll(partition);
    Set<Long> readOffsets = new HashSet<>();
    for (LogRecord record : read) {
      assertThat(record).as(context).isEqualTo(written.get(record.offset()));
      readOffsets.add(record.offset());
    }
    long activeBase =
        partition.sealedSegments().stream().mapToLong(LogSegment::nextOffset).max().orElse(0);
    long now = logs.clock().millis();
    for (LogRecord last : latest.values()) {
      // A tombstone may go once its delete horizon (first cleaning + delete.retention.ms) passed,
      // so never before delete.retention.ms after it was written.
      boolean tombstoneMayBeGone =
          last.value() == null
              && last.offset() < activeBase
              && now >= last.timestamp() + DELETE_RETENTION_MS;
      if (!tombstoneMayBeGone) {
        assertThat(readOffsets)
            .as("%s: latest of %s", context, Batches.text(last.key()))
            .contains(last.offset());
      }
    }
    assertThat(partition.logEndOffset()).as(context).isEqualTo(written.size());
  }
}
