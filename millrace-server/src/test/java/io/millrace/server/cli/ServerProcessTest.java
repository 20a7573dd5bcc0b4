package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  static void sigterm(Process process) throws Exception {
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private static Process startServer(Path data) throws Exception {
    return startServer("--data-dir", data.toString(), "--kafka-port", "0", "--http-port", "0");
  }

  static Process startServer(String... arguments) throws Exception {
    return startServer(java.util.Map.of(), arguments);
  }

  /** Starts {@code millrace server ARGUMENTS} with these extra environment variables. */
  static Process startServer(java.util.Map<String, String> environment, String... arguments)
      throws Exception {
    return startMillrace(environment, "server", arguments);
  }

  /** Starts {@code millrace SUBCOMMAND ARGUMENTS} with these extra environment variables. */
  static Process startMillrace(
      java.util.Map<String, String> environment, String subcommand, String... arguments)
      throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                MillraceCli.class.getName(),
                subcommand));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    return builder.start();
  }

  @Test
  @Timeout(60)
  void shouldStartFromAConfigFileAndServeHttp() throws Exception {
    Path data = dir.resolve("from-config");
    Path config = dir.resolve("millrace.yaml");
    Files.writeString(
        config,
        """
        data_dir: %s
        kafka:
          port: 0
        http:
          port: 0
        log:
          cleaner_interval_ms: 5000
        """
            .formatted(data));
    Process server = startServer("--config", config.toString());
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = drain(server, lines, ready);
    try {
      ready.get(30, TimeUnit.SECONDS);
      int httpPort = httpPortOf(lines);

      HttpResponse<String> health = get(httpPort, "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"up\"");

      HttpResponse<String> created =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/topics"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"orders\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).isEqualTo(201);
      assertThat(data.resolve("topics").resolve("orders")).isDirectory();
    } finally {
      sigterm(server);
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
    }
    assertThat(server.exitValue()).isIn(0, 143);
    assertThat(data.resolve(".clean-shutdown")).exists();
  }

  @Test
  @Timeout(60)
  void shouldAnswerHealthOnTheHttpPortFlag() throws Exception {
    int httpPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      httpPort = probe.getLocalPort();
    }
    Process server =
        startServer(
            "--data-dir",
            dir.resolve("data").toString(),
            "--kafka-port",
            "0",
            "--http-port",
            Integer.toString(httpPort));
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = drain(server, lines, ready);
    try {
      ready.get(30, TimeUnit.SECONDS);
      assertThat(httpPortOf(lines)).isEqualTo(httpPort);
      assertThat(get(httpPort, "/health").statusCode()).isEqualTo(200);
    } finally {
      sigterm(server);
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
    }
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The HTTP port from the ready line ("..., HTTP on 127.0.0.1:41234, ..."). */
  static int httpPortOf(List<String> lines) {
    Matcher port =
        Pattern.compile("HTTP on [^:]+:(\\d+)")
            .matcher(
                lines.stream().filter(l -> l.contains("Millrace ready")).findFirst().orElseThrow());
    assertThat(port.find()).as("ready line names the HTTP port: " + lines).isTrue();
    return Integer.parseInt(port.group(1));
  }

  static Thread drain(Process process, List<String> lines, CompletableFuture<Void> ready) {
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
