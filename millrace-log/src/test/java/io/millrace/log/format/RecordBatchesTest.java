package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.Batches;
import io.millrace.log.testing.SeededRandomExtension;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The visiting read path sees exactly the records the allocating one builds. */
@ExtendWith(SeededRandomExtension.class)
class RecordBatchesTest {

  @Test
  void shouldVisitTheSameRecordsAsRecordsReturns(Random random) {
    List<ByteBuffer> batches = new ArrayList<>();
    for (Codec codec : Codec.values()) {
      batches.add(
          Batches.random(random, codec, 1 + random.nextInt(50), random.nextInt(200), 1_000));
    }
    batches.add(Batches.keyed("gone", null, 2_000));
    ByteBuffer all = Batches.concat(batches.toArray(ByteBuffer[]::new));
    int position = all.position();

    List<LogRecord> visited = new ArrayList<>();
    RecordBatches.forEachRecord(
        all,
        (offset, timestamp, key, value) ->
            visited.add(
                new LogRecord(
                    offset,
                    timestamp,
                    LogRecord.bytesOf(key),
                    LogRecord.bytesOf(value),
                    List.of())));

    List<LogRecord> expected = new ArrayList<>();
    for (LogRecord record : RecordBatches.records(all)) {
      expected.add(
          new LogRecord(
              record.offset(), record.timestamp(), record.key(), record.value(), List.of()));
    }
    assertThat(visited).isEqualTo(expected).isNotEmpty();
    assertThat(visited.get(visited.size() - 1).value()).isNull();
    assertThat(all.position()).isEqualTo(position);
  }
}
