package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.log.testing.Batches;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition checkpoint is written from several threads: the scheduler after fsyncing a sealed
 * segment, and the caller's thread for DeleteRecords and retention. Each write must succeed and the
 * last one must carry the latest values, or a crash brings deleted records back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointConcurrencyTest {

  @TempDir Path dataDir;

  @Test
  void whenSealedSegmentFlushesRaceDeleteRecords_thenEveryWriteSucceedsAndTheLastIsLatest()
      throws Exception {
    TopicPartition tp = new TopicPartition("racing", 0);
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      // Every append rolls, so every append has the scheduler fsync a sealed segment and write
      // the checkpoint while this thread writes it for DeleteRecords.
      log.createTopic(
          tp.topic(),
          1,
          Map.of(
              TopicConfig.SEGMENT_BYTES,
              "100",
              TopicConfig.FLUSH_POLICY,
              FlushPolicy.OS.configName()));
      PartitionLog partition = log.partition(tp);
      for (int i = 0; i < 300; i++) {
        assertThat(partition.append(Batches.numbered(i, 1, 1_000 + i)).status())
            .isEqualTo(AppendStatus.OK);
        partition.deleteRecordsBefore(partition.logEndOffset());
      }
      Path directory = dataDir.resolve("topics").resolve(tp.topic()).resolve("0");
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(PartitionCheckpoint.read(directory).logStartOffset())
                      .as("log start offset in the checkpoint once the scheduler is idle")
                      .isEqualTo(300));
    }
  }
}
