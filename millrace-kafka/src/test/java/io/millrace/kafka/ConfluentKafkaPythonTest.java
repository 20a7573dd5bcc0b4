package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.offsets.GroupOffsetStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2, Debian's python3-confluent-kafka): AdminClient,
 * an idempotent Producer with delivery callbacks, a group Consumer that commits. The script is
 * {@code python/confluent_round_trip.py}. .ci/run installs the package; on a machine without it the
 * test is skipped, except in CI where its absence is a failure.
 */
@Tag("system")
class ConfluentKafkaPythonTest {

  private static final Path PYTHON = Path.of("/usr/bin/python3");

  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void shouldCreateTopicProduceAndConsumeInAGroupWithConfluentKafkaPython() throws Exception {
    ExternalClient.requireInstalled(
        Files.isExecutable(PYTHON)
            && ExternalClient.runsCleanly(PYTHON.toString(), "-c", "import confluent_kafka"),
        "confluent-kafka-python",
        "apt-get install python3-confluent-kafka");
    Path script = dir.resolve("confluent_round_trip.py");
    try (var in = getClass().getResourceAsStream("/python/confluent_round_trip.py")) {
      Files.write(script, in.readAllBytes());
    }
    try (Log log = Log.open(LogOptions.defaults(dir.resolve("data")));
        KafkaListener listener =
            KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0))) {
      ExternalClient.Result result =
          new ExternalClient(dir)
              .run(
                  List.of(PYTHON.toString(), script.toString(), "127.0.0.1:" + listener.port()),
                  new byte[0],
                  Duration.ofSeconds(90));
      assertThat(result.exitCode()).as(result.describe()).isZero();
      assertThat(result.stdoutText()).as(result.describe()).contains("OK 300");

      GroupOffsetStore offsets = log.offsetStore();
      List<PartitionLog> partitions = log.partitions("readings");
      assertThat(partitions).hasSize(3);
      for (PartitionLog partition : partitions) {
        assertThat(partition.logEndOffset()).isEqualTo(100);
        assertThat(
                offsets.fetch(
                    "readers",
                    new TopicPartition("readings", partition.topicPartition().partition())))
            .hasValueSatisfying(committed -> assertThat(committed.offset()).isEqualTo(100));
        ByteBuffer batches = partition.read(0, Integer.MAX_VALUE).read();
        for (int position = 0; position < batches.limit(); ) {
          assertThat(BatchLayout.compressionId(batches, position)).as("zstd").isEqualTo(4);
          assertThat(batches.getLong(position + BatchLayout.PRODUCER_ID)).isNotNegative();
          position += BatchLayout.sizeInBytes(batches, position);
        }
      }
    }
  }
}
