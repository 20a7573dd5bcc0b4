package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code millrace server} as a real child process and stops it with SIGTERM. */
@Tag("system")
class ServerProcessTest {

  @TempDir Path dir;

  @Test
  @Timeout(60)
  void shouldLogReadyAndShutDownCleanlyOnSigterm() throws Exception {
    Path data = dir.resolve("data");
    Process server = startServer(data);
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = drain(server, lines, ready);

    ready.get(30, TimeUnit.SECONDS);
    sigterm(server);
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(5_000);

    assertThat(server.exitValue())
        .as("exit code after SIGTERM (143 = killed by SIGTERM)")
        .isIn(0, 143);
    assertThat(data.resolve(".clean-shutdown")).exists();
    assertThat(String.join("\n", lines)).contains("log closed");

    // The second start finds the clean marker and skips recovery.
    Process again = startServer(data);
    List<String> secondLines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> readyAgain = new CompletableFuture<>();
    Thread secondReader = drain(again, secondLines, readyAgain);
    readyAgain.get(30, TimeUnit.SECONDS);
    sigterm(again);
    assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
    secondReader.join(5_000);
    assertThat(String.join("\n", secondLines)).contains("clean shutdown");
  }

  @Test
  @Timeout(60)
  void shouldRefuseASecondServerOnTheSameDataDirectory() throws Exception {
    Path data = dir.resolve("data");
    Process first = startServer(data);
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = drain(first, new CopyOnWriteArrayList<>(), ready);
    ready.get(30, TimeUnit.SECONDS);
    try {
      Process second = startServer(data);
      String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(second.exitValue()).isEqualTo(1);
      assertThat(output).contains("in use by another Millrace process");
    } finally {
      first.destroy();
      first.waitFor(30, TimeUnit.SECONDS);
      reader.join(5_000);
    }
  }

  /** SIGTERM through kill(1): Process.destroy() would also close our end of its output. */
  private static void sigterm(Process process) throws Exception {
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private static Process startServer(Path data) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            MillraceCli.class.getName(),
            "server",
            "--data-dir",
            data.toString(),
            "--kafka-port",
            "0")
        .redirectErrorStream(true)
        .start();
  }

  private static Thread drain(Process process, List<String> lines, CompletableFuture<Void> ready) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                  if (line.contains("Millrace ready")) {
                    ready.complete(null);
                  }
                }
              } catch (java.io.IOException e) {
                ready.completeExceptionally(e);
              }
              ready.completeExceptionally(
                  new AssertionError("server exited before ready: " + lines));
            });
    thread.start();
    return thread;
  }
}
