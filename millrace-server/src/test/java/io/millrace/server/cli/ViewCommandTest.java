package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriterOptions;
import io.millrace.server.MillraceServer;
import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ServerConfigReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace view get|scan} against an in-process server, over real HTTP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ViewCommandTest {

  @TempDir Path dir;
  private MillraceServer server;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void start() throws Exception {
    server =
        MillraceServer.start(
            new ServerConfigReader(Map.<String, String>of()::get)
                .read(Optional.empty(), new CommandLineOverrides(dir.resolve("data"), 0, 0)));
    server.views().ensureView("profiles", 0);
    TopicWriter writer = new TopicWriter(server.log(), WriterOptions.DEFAULTS);
    List<WriteRecord> records = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      records.add(
          WriteRecord.of(
              String.format("user-%05d", i).getBytes(StandardCharsets.UTF_8),
              ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(writer.tryWrite("__view.profiles", records).isOk()).isTrue();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> server.views().view("profiles").orElseThrow().indexer().nextOffset(0) == 2_500);
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() throws Exception {
    System.setOut(originalOut);
    System.setErr(originalErr);
    server.close();
  }

  private int run(String... args) {
    List<String> withHttp = new ArrayList<>(List.of(args));
    withHttp.add("--http");
    withHttp.add("127.0.0.1:" + server.httpPort());
    return MillraceCli.execute(withHttp.toArray(String[]::new));
  }

  private List<String> lines() {
    String text = out.toString(StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  @Test
  void shouldGetOneRow() {
    assertThat(run("view", "get", "profiles", "user-00042", "--min-offset", "2499")).isZero();
    assertThat(lines())
        .singleElement()
        .asString()
        .contains("\"key\":\"user-00042\"", "\"value\":{\"n\":42}", "\"offset\":42");
  }

  @Test
  void shouldExitOneForAMissingKeyOrView() {
    assertThat(run("view", "get", "profiles", "nobody")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("millrace: view profiles has no row for key nobody");
    assertThat(run("view", "scan", "nope")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown view nope");
  }

  @Test
  void shouldScanEveryPageInKeyOrder() {
    assertThat(run("view", "scan", "profiles")).isZero();
    List<String> lines = lines();
    assertThat(lines).hasSize(2_500);
    assertThat(lines.get(0)).contains("\"key\":\"user-00000\"");
    assertThat(lines.get(2_499)).contains("\"key\":\"user-02499\"");
  }

  @Test
  void shouldScanARangeOrAPrefixUpToALimit() {
    assertThat(run("view", "scan", "profiles", "--from", "user-00010", "--to", "user-00013"))
        .isZero();
    assertThat(lines()).hasSize(3);
    out.reset();
    assertThat(run("view", "scan", "profiles", "--prefix", "user-01", "--limit", "1500")).isZero();
    assertThat(lines()).hasSize(1_000);
    out.reset();
    assertThat(run("view", "scan", "profiles", "--prefix", "user-0", "--limit", "1234")).isZero();
    assertThat(lines()).hasSize(1_234);
  }
}
