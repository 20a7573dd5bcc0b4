package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random sequences of appends, reads, timestamp lookups, DeleteRecords, setting changes, clean
 * reopens and crashes against a plain list of the records that must be readable. After every step
 * the partition must hold exactly the model's records, at the model's offsets.
 */
@ExtendWith(SeededRandomExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PartitionLogModelTest {

  private static final String TOPIC = "model";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @RegisterExtension final LogExtension logs = new LogExtension();

  private final List<LogRecord> model = new ArrayList<>();
  private long modelStart;
  private long modelEnd;
  private Log log;
  private PartitionLog partition;
  private final List<String> steps = new ArrayList<>();

  @RepeatedTest(4)
  void shouldAlwaysHoldExactlyTheRecordsTheModelHolds(Random random) throws IOException {
    log = logs.open();
    log.createTopic(
        TOPIC,
        1,
        Map.of(
            TopicConfig.SEGMENT_BYTES, Integer.toString(300 + random.nextInt(3000)),
            TopicConfig.INDEX_INTERVAL_BYTES, Integer.toString(random.nextInt(600))));
    partition = log.partition(TP);
    for (int step = 0; step < 400; step++) {
      int choice = random.nextInt(100);
      if (choice < 55) {
        append(random);
      } else if (choice < 75) {
        read(random);
      } else if (choice < 83) {
        offsetForTimestamp(random);
      } else if (choice < 88) {
        deleteRecords(random);
      } else if (choice < 91) {
        alterSegmentBytes(random);
      } else if (choice < 94) {
        logs.clock().advanceMillis(random.nextInt(10_000));
      } else if (choice < 97) {
        steps.add("reopen");
        log = logs.reopen(log);
        partition = log.partition(TP);
      } else {
        crash();
      }
      String context = "after " + steps;
      assertThat(partition.logEndOffset()).as(context).isEqualTo(modelEnd);
      assertThat(partition.logStartOffset()).as(context).isEqualTo(modelStart);
    }
    assertThat(LogReader.readAll(partition)).isEqualTo(visible());
  }

  private List<LogRecord> visible() {
    return model.stream().filter(r -> r.offset() >= modelStart).toList();
  }

  private void append(Random random) {
    long[] timestamps = new long[1 + random.nextInt(5)];
    for (int i = 0; i < timestamps.length; i++) {
      timestamps[i] = 1000 + modelEnd * 10 + random.nextInt(200) - 100;
    }
    Codec codec = Codec.values()[random.nextInt(Codec.values().length)];
    AppendResult result = partition.append(Batches.withTimestamps(codec, timestamps));
    steps.add("append " + timestamps.length);
    assertThat(result.isOk()).as(result.message()).isTrue();
    assertThat(result.baseOffset()).isEqualTo(modelEnd);
    for (int i = 0; i < timestamps.length; i++) {
      model.add(
          new LogRecord(
              modelEnd + i,
              timestamps[i],
              Batches.bytes("key-" + i),
              Batches.bytes("value-" + i),
              List.of()));
    }
    modelEnd += timestamps.length;
  }

  private void read(Random random) throws IOException {
    long offset = modelStart + random.nextLong(modelEnd - modelStart + 1);
    int maxBytes = 1 + random.nextInt(2000);
    steps.add("read " + offset + " " + maxBytes);
    LogSlice slice = partition.read(offset, maxBytes);
    List<LogRecord> records =
        RecordBatches.records(slice.read()).stream().filter(r -> r.offset() >= offset).toList();
    if (offset == modelEnd) {
      assertThat(slice.isEmpty()).isTrue();
      return;
    }
    assertThat(records).isNotEmpty();
    assertThat(records.get(0).offset()).isEqualTo(offset);
    assertThat(records).isEqualTo(model.subList((int) offset, (int) offset + records.size()));
    assertThat(slice.nextOffset()).isEqualTo(offset + records.size());
  }

  private void offsetForTimestamp(Random random) {
    long target = 900 + random.nextLong(modelEnd * 10 + 300);
    steps.add("offsetForTimestamp " + target);
    long expected =
        visible().stream()
            .filter(r -> r.timestamp() >= target)
            .mapToLong(LogRecord::offset)
            .findFirst()
            .orElse(-1);
    assertThat(partition.offsetForTimestamp(target)).as("timestamp %d", target).isEqualTo(expected);
  }

  private void deleteRecords(Random random) {
    long offset = modelStart + random.nextLong(modelEnd - modelStart + 1);
    steps.add("deleteRecordsBefore " + offset);
    assertThat(partition.deleteRecordsBefore(offset)).isEqualTo(Math.max(modelStart, offset));
    modelStart = Math.max(modelStart, offset);
  }

  private void alterSegmentBytes(Random random) {
    String segmentBytes = Integer.toString(200 + random.nextInt(3000));
    steps.add("segment.bytes " + segmentBytes);
    log.alterTopicConfig(TOPIC, Map.of(TopicConfig.SEGMENT_BYTES, segmentBytes));
  }

  /** A process crash: what is on disk (page cache included) survives, the marker does not. */
  private void crash() throws IOException {
    steps.add("crash");
    Path copy = logs.crashCopy(log.options().dataDirectory());
    log.close();
    log = logs.open(logs.options(copy));
    partition = log.partition(TP);
  }
}
