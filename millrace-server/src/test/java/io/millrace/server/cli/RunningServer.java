package io.millrace.server.cli;

import static io.millrace.server.cli.ServerProcessTest.drain;
import static io.millrace.server.cli.ServerProcessTest.get;
import static io.millrace.server.cli.ServerProcessTest.httpPortOf;
import static io.millrace.server.cli.ServerProcessTest.sigterm;
import static io.millrace.server.cli.ServerProcessTest.startServer;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server process, stopped with SIGTERM on close. */
record RunningServer(Process process, List<String> lines, Thread reader) implements AutoCloseable {

  static RunningServer start(Path config) throws Exception {
    return start(Map.of(), "--config", config.toString());
  }

  /** Starts {@code millrace server ARGUMENTS} with these extra environment variables. */
  static RunningServer start(Map<String, String> environment, String... arguments)
      throws Exception {
    Process process = startServer(environment, arguments);
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = drain(process, lines, ready);
    RunningServer server = new RunningServer(process, lines, reader);
    try {
      ready.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      server.close();
      throw e;
    }
    return server;
  }

  String readyLine() {
    return lines.stream().filter(l -> l.contains("Millrace ready")).findFirst().orElseThrow();
  }

  int kafkaPort() {
    Matcher port = Pattern.compile("Kafka on [^:]+:(\\d+)").matcher(readyLine());
    assertThat(port.find()).isTrue();
    return Integer.parseInt(port.group(1));
  }

  int httpPort() {
    return httpPortOf(lines);
  }

  String metrics() throws Exception {
    var response = get(httpPort(), "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    return response.body();
  }

  /** The value of the feed source's counter, 0 while it does not exist yet. */
  double counter(String name) throws Exception {
    Matcher value =
        Pattern.compile("(?m)^" + name + "\\{source=\"feed\"\\} (\\S+)$").matcher(metrics());
    return value.find() ? Double.parseDouble(value.group(1)) : 0;
  }

  @Override
  public void close() throws IOException {
    try {
      sigterm(process);
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("server output: " + lines).isTrue();
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the server", e);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
    assertThat(process.exitValue()).as("server output: " + lines).isIn(0, 143);
  }
}
