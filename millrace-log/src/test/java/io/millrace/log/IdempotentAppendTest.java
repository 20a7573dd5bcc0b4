package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The idempotent-producer rules of the log: retries deduplicated, gaps and old epochs refused. */
class IdempotentAppendTest {

  @TempDir Path dataDir;

  private static final TopicPartition TP = new TopicPartition("events", 0);

  private static ByteBuffer batch(long producerId, int epoch, int baseSequence, int records) {
    List<BatchBuilder.NewRecord> list = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      list.add(new BatchBuilder.NewRecord(1000 + i, null, ("r" + (baseSequence + i)).getBytes()));
    }
    return BatchBuilder.build(Codec.NONE, producerId, (short) epoch, baseSequence, list);
  }

  @Test
  void shouldAnswerARetriedBatchWithItsStoredOffsetsInsteadOfStoringItTwice() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic("events", 1, Map.of());
      PartitionLog partition = log.partition(TP);
      assertThat(partition.append(batch(7, 0, 0, 3)).baseOffset()).isZero();
      AppendResult second = partition.append(batch(7, 0, 3, 2));
      AppendResult retry = partition.append(batch(7, 0, 3, 2));
      assertThat(retry.status()).isEqualTo(AppendStatus.OK);
      assertThat(retry.baseOffset()).isEqualTo(second.baseOffset()).isEqualTo(3);
      assertThat(retry.lastOffset()).isEqualTo(4);
      retry.durable().get();
      assertThat(partition.logEndOffset()).isEqualTo(5);
    }
  }

  @Test
  void shouldRefuseASequenceGapAndAnOldEpoch() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic("events", 1, Map.of());
      PartitionLog partition = log.partition(TP);
      partition.append(batch(7, 1, 0, 2));
      assertThat(partition.append(batch(7, 1, 5, 1)).status())
          .isEqualTo(AppendStatus.OUT_OF_ORDER_SEQUENCE);
      assertThat(partition.append(batch(7, 0, 2, 1)).status())
          .isEqualTo(AppendStatus.INVALID_PRODUCER_EPOCH);
      assertThat(partition.append(batch(7, 2, 3, 1)).status())
          .as("a new epoch starts again at sequence 0")
          .isEqualTo(AppendStatus.OUT_OF_ORDER_SEQUENCE);
      assertThat(partition.append(batch(7, 2, 0, 1)).status()).isEqualTo(AppendStatus.OK);
      assertThat(partition.append(batch(8, 0, 42, 1)).status())
          .as("a producer never seen starts anywhere")
          .isEqualTo(AppendStatus.OK);
      assertThat(partition.logEndOffset()).isEqualTo(4);
    }
  }

  @Test
  void shouldRecogniseARetryAfterACrash() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic("events", 1, Map.of());
      log.partition(TP).append(batch(9, 0, 0, 4)).durable().get();
    }
    Files.delete(dataDir.resolve(".clean-shutdown")); // as if the process had been killed
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      PartitionLog partition = log.partition(TP);
      AppendResult retry = partition.append(batch(9, 0, 0, 4));
      assertThat(retry.status()).isEqualTo(AppendStatus.OK);
      assertThat(retry.baseOffset()).isZero();
      assertThat(partition.logEndOffset()).isEqualTo(4);
      assertThat(partition.append(batch(9, 0, 4, 1)).baseOffset()).isEqualTo(4);
    }
  }

  @Test
  void shouldKeepSequencesPerPartitionAndWrapAtIntegerMax() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic("events", 1, Map.of());
      PartitionLog partition = log.partition(TP);
      assertThat(partition.append(batch(3, 0, Integer.MAX_VALUE - 1, 2)).status())
          .isEqualTo(AppendStatus.OK);
      assertThat(partition.append(batch(3, 0, 0, 1)).status()).isEqualTo(AppendStatus.OK);
    }
  }
}
