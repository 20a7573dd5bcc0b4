package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.kafka.KafkaListener;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace topic|produce|consume} against a real listener, over the Kafka protocol. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientCommandsTest {

  @TempDir Path dir;
  private Log log;
  private KafkaListener listener;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void start() throws Exception {
    log = Log.open(LogOptions.defaults(dir.resolve("data")));
    listener = KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0));
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() throws Exception {
    System.setOut(originalOut);
    System.setErr(originalErr);
    listener.close();
    log.close();
  }

  private int run(String... args) {
    String[] withBootstrap = new String[args.length + 2];
    System.arraycopy(args, 0, withBootstrap, 0, args.length);
    withBootstrap[args.length] = "--bootstrap";
    withBootstrap[args.length + 1] = "127.0.0.1:" + listener.port();
    return MillraceCli.execute(withBootstrap);
  }

  private String output() {
    String text = out.toString(StandardCharsets.UTF_8);
    out.reset();
    return text;
  }

  @Test
  void shouldManageTopicsProduceLinesAndConsumeThem() throws Exception {
    assertThat(run("topic", "create", "orders", "-p", "2", "-c", "retention.ms=60000")).isZero();
    output();
    assertThat(run("topic", "list")).isZero();
    assertThat(output()).contains("orders", "2");

    Path input = Files.writeString(dir.resolve("lines.txt"), "a:1\nb:2\nc:3\n");
    assertThat(
            run("produce", "orders", "--file", input.toString(), "--key-separator", ":", "-p", "0"))
        .isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("produced 3 records");

    assertThat(run("consume", "orders", "--format", "kv", "-n", "3")).isZero();
    assertThat(output()).contains("a\t1", "b\t2", "c\t3");

    assertThat(run("consume", "orders", "--from", "offset:1", "-n", "2", "--format", "json"))
        .isZero();
    String json = output();
    assertThat(json).contains("\"offset\":1", "\"key\":\"b\"", "\"value\":\"2\"");
    assertThat(json).doesNotContain("\"offset\":0");

    assertThat(run("consume", "orders", "--group", "cli", "-n", "3")).isZero();
    assertThat(output()).contains("1", "2", "3");

    assertThat(run("topic", "alter", "orders", "-c", "retention.ms=1000", "-p", "3")).isZero();
    output();
    assertThat(run("topic", "describe", "orders")).isZero();
    String described = output();
    assertThat(described).contains("retention.ms", "1000", "(set on topic)");
    assertThat(described.lines().filter(l -> l.matches("\\s+\\d+\\s+\\d+\\s+\\d+"))).hasSize(3);

    assertThat(run("topic", "delete", "orders")).isZero();
    assertThat(log.describeTopic("orders")).isEmpty();
  }

  @Test
  void shouldFailWithAOneLineErrorForABadSetting() {
    assertThat(run("topic", "create", "bad", "-c", "retention.ms=soon")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("retention.ms");
  }
}
