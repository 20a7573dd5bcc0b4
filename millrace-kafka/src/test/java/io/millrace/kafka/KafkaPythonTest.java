package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.TopicPartition;
import io.millrace.log.offsets.GroupOffsetStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafka-python 2.0 (Debian's python3-kafka, the client of the reference guide) producing and
 * consuming with a group. .ci/run installs it; on a machine without it the test is skipped, except
 * in CI where its absence is a failure.
 */
@Tag("system")
class KafkaPythonTest {

  private static final Path PYTHON = Path.of("/usr/bin/python3");

  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void shouldRunTheGuidesProducerAndGroupConsumerSamples() throws Exception {
    ExternalClient.requireInstalled(
        ExternalClient.runsCleanly(PYTHON.toString(), "-c", "import kafka"),
        "kafka-python",
        "apt-get install python3-kafka");

    Path script = dir.resolve("guide_round_trip.py");
    try (var in = getClass().getResourceAsStream("/python/guide_round_trip.py")) {
      Files.write(script, in.readAllBytes());
    }
    try (Log log = Log.open(LogOptions.defaults(dir.resolve("data")));
        KafkaListener listener =
            KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0))) {
      Process python =
          new ProcessBuilder(PYTHON.toString(), script.toString(), "127.0.0.1:" + listener.port())
              .redirectErrorStream(true)
              .start();
      String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(python.waitFor(90, TimeUnit.SECONDS)).isTrue();
      assertThat(python.exitValue()).as(output).isZero();
      assertThat(output).contains("OK 30");
      GroupOffsetStore offsets = log.offsetStore();
      assertThat(offsets.fetch("my-consumer-group", new TopicPartition("sensitive_data", 0)))
          .hasValueSatisfying(committed -> assertThat(committed.offset()).isEqualTo(10));
    }
  }
}
