package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.LogRecord;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {

  @TempDir Path dataDir;

  @Test
  void shouldAssignOffsetsAndReadBackAfterReopen() throws Exception {
    TopicPartition tp = new TopicPartition("orders", 0);
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic("orders", 2, Map.of());
      PartitionLog partition = log.partition(tp);
      AppendResult first = partition.append(Batches.numbered(0, 3, 1000));
      AppendResult second = partition.append(Batches.numbered(3, 2, 2000));
      assertThat(first.status()).isEqualTo(AppendStatus.OK);
      assertThat(first.baseOffset()).isZero();
      assertThat(first.lastOffset()).isEqualTo(2);
      assertThat(second.baseOffset()).isEqualTo(3);
      second.durable().get();
      assertThat(partition.logEndOffset()).isEqualTo(5);
    }
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      PartitionLog partition = log.partition(tp);
      List<LogRecord> records = LogReader.readAll(partition);
      assertThat(records).extracting(LogRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
      assertThat(Batches.text(records.get(4).value())).isEqualTo("value-4");
      assertThat(partition.offsetForTimestamp(2000)).isEqualTo(3);
    }
  }
}
