package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MillraceCliTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void captureOutput() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreOutput() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  @Test
  void whenTheConfigFileIsBad_thenServerRefusesToStartNamingFileLineAndColumn() throws Exception {
    Path config = dir.resolve("millrace.yaml");
    Files.writeString(config, "kafka:\n  port: 70000\nhttp:\n  prot: 1\n");

    int exitCode =
        MillraceCli.execute(
            "server", "--config", config.toString(), "--data-dir", dir.resolve("d").toString());

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(
            "millrace: invalid configuration:\n"
                + config
                + ":2:9: kafka.port: must be between 0 and 65535, was 70000\n"
                + config
                + ":4:3: http.prot: unknown setting in http; did you mean port?");
    assertThat(dir.resolve("d")).doesNotExist();
  }

  @Test
  void shouldPrintUsageListingTheCommands() {
    assertThat(MillraceCli.execute("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("server", "dump-log");
  }

  @Test
  void shouldRejectAnUnknownCommandWithUsageError() {
    assertThat(MillraceCli.execute("no-such-command")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no-such-command");
  }

  @Test
  void shouldDumpBatchesOfASegmentAndReportDamage() throws Exception {
    Path data = dir.resolve("data");
    try (Log log = Log.open(LogOptions.defaults(data))) {
      log.createTopic("t", 1, Map.of());
      for (int i = 0; i < 3; i++) {
        log.partition(new TopicPartition("t", 0))
            .append(
                BatchBuilder.build(
                    Codec.NONE,
                    List.of(new BatchBuilder.NewRecord(1000 + i, null, new byte[] {(byte) i}))));
      }
    }
    Path segment = data.resolve("topics/t/0/00000000000000000000.log");

    assertThat(MillraceCli.execute("dump-log", segment.toString())).isZero();
    String dump = out.toString(StandardCharsets.UTF_8);
    assertThat(dump).contains("offsets 0-0", "offsets 2-2", "valid to the end; next offset 3");

    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length - 1] ^= 0x55; // damage the last batch's payload
    Files.write(segment, bytes);
    out.reset();
    assertThat(MillraceCli.execute("dump-log", segment.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("INVALID", "CRC-32C mismatch");
  }

  @Test
  void shouldRefuseAFileThatIsNotASegment() throws Exception {
    Path notASegment = Files.writeString(dir.resolve("notes.txt"), "hello");
    assertThat(MillraceCli.execute("dump-log", notASegment.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not a segment (.log) file");
  }
}
