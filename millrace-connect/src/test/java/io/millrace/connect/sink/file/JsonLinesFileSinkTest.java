package io.millrace.connect.sink.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.common.ManualClock;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.pipeline.definition.FileOutput;
import io.millrace.pipeline.definition.SourcePosition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JsonLinesFileSinkTest {

  @TempDir Path directory;
  private final ManualClock clock = new ManualClock(1_767_225_600_000L);

  private FileOutput output(long rollBytes, long rollIntervalMs) {
    return new FileOutput(
        "archive",
        directory.toString(),
        "orders",
        rollBytes,
        rollIntervalMs,
        SourcePosition.startOf("t.yaml"));
  }

  private JsonLinesFileSink sink(FileOutput output, String id) {
    return new JsonLinesFileSink(output, id, clock, Runnable::run);
  }

  private static SinkRecord record(String value) {
    return new SinkRecord(
        "in",
        0,
        0,
        0L,
        null,
        value == null ? null : value.getBytes(StandardCharsets.UTF_8),
        List.of());
  }

  private List<Path> files(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
    }
  }

  private List<String> finalLines() throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path file : files(".jsonl")) {
      lines.addAll(Files.readAllLines(file));
    }
    return lines;
  }

  @Test
  void whenBatchesArriveAtRandom_thenFilesRollBySizeAndFinalFilesAreCompleteAndNeverChange()
      throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    JsonLinesFileSink sink = sink(output(300, 3_600_000), "a");
    List<String> expected = new ArrayList<>();
    Map<Path, byte[]> seen = new HashMap<>();
    for (int batch = 0; batch < 60; batch++) {
      List<SinkRecord> records = new ArrayList<>();
      for (int i = random.nextInt(8); i >= 0; i--) {
        String value =
            "{\"n\":" + expected.size() + ",\"pad\":\"" + "x".repeat(random.nextInt(40)) + "\"}";
        expected.add(value);
        records.add(record(value));
      }
      assertThat(sink.write(records).get().allDelivered()).isTrue();
      for (Path file : files(".jsonl")) {
        byte[] content = Files.readAllBytes(file);
        byte[] before = seen.putIfAbsent(file, content);
        assertThat(before == null ? content : before)
            .as("seed %d: %s changed after it was final", seed, file)
            .isEqualTo(content);
        assertThat(content.length)
            .as("seed %d: rolled at 300 bytes", seed)
            .isGreaterThanOrEqualTo(300);
        assertThat(content[content.length - 1]).as("seed %d", seed).isEqualTo((byte) '\n');
      }
      assertThat(files(".inprogress")).as("seed %d", seed).hasSizeLessThanOrEqualTo(1);
    }
    sink.close();
    sink.close(); // idempotent

    assertThat(files(".inprogress")).as("seed %d", seed).isEmpty();
    assertThat(finalLines()).as("seed %d", seed).isEqualTo(expected);
    assertThat(files(".jsonl").size()).as("seed %d", seed).isGreaterThan(3);
  }

  @Test
  void whenTheRollIntervalPasses_thenTheNextWriteFinalizesTheOldFile() throws Exception {
    JsonLinesFileSink sink = sink(output(1 << 20, 60_000), "b");
    sink.write(List.of(record("{\"n\":1}"))).get();
    clock.advanceMillis(59_999);
    sink.write(List.of(record("{\"n\":2}"))).get();
    assertThat(files(".jsonl")).isEmpty();
    assertThat(files(".inprogress")).hasSize(1);

    clock.advanceMillis(1);
    sink.write(List.of(record("{\"n\":3}"))).get();

    assertThat(files(".jsonl")).hasSize(1);
    assertThat(Files.readAllLines(files(".jsonl").get(0)))
        .containsExactly("{\"n\":1}", "{\"n\":2}");
    assertThat(files(".jsonl").get(0).getFileName().toString())
        .matches("orders-20260101T000000Z-b-000000\\.jsonl");
    sink.close();
    assertThat(finalLines()).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
  }

  @Test
  void whenNoRecordsArrive_thenTheTimerRollsTheFileOnceItIsOldEnough() throws Exception {
    JsonLinesFileSink sink = sink(output(1 << 20, 60_000), "t");
    sink.write(List.of(record("{\"n\":1}"))).get();
    assertThat(sink.rollIfDue()).isTrue();
    assertThat(files(".jsonl")).isEmpty();

    clock.advanceMillis(60_000);
    assertThat(sink.rollIfDue()).isTrue();

    assertThat(files(".inprogress")).isEmpty();
    assertThat(finalLines()).containsExactly("{\"n\":1}");
    sink.write(List.of(record("{\"n\":2}"))).get(); // a new file
    sink.close();
    assertThat(sink.isClosed()).isTrue();
    assertThat(finalLines()).containsExactly("{\"n\":1}", "{\"n\":2}");
  }

  @Test
  void shouldWriteEachValueOnOneLineAndMissingValuesAsNull() throws Exception {
    JsonLinesFileSink sink = sink(output(1 << 20, 60_000), "c");
    sink.write(List.of(record("{\n  \"pretty\": true\r\n}"), record(null))).get();
    sink.close();
    assertThat(finalLines()).containsExactly("{   \"pretty\": true  }", "null");
  }

  @Test
  void whenARunCrashedWithAnInProgressFile_thenRecoveryKeepsItsCompleteLinesOnly()
      throws Exception {
    FileOutput output = output(1 << 20, 60_000);
    JsonLinesFileSink crashed = sink(output, "d");
    crashed.write(List.of(record("{\"n\":1}"), record("{\"n\":2}"))).get();
    Path inProgress = files(".inprogress").get(0);
    Files.writeString(inProgress, "{\"n\":3,\"cut", StandardOpenOption.APPEND); // torn write
    JsonLinesFileSink emptyCrash = sink(output, "e");
    emptyCrash.write(List.of(record("{\"partial"))).get();
    Path onlyPartial =
        files(".inprogress").stream().filter(p -> !p.equals(inProgress)).findFirst().orElseThrow();
    Files.write(onlyPartial, "{\"partial".getBytes(StandardCharsets.UTF_8)); // nothing complete

    JsonLinesFileSink.recover(output);

    assertThat(files(".inprogress")).isEmpty();
    assertThat(files(".jsonl")).hasSize(1);
    assertThat(finalLines()).containsExactly("{\"n\":1}", "{\"n\":2}");
  }
}
