package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a non-Java Kafka client (kcat, a Python script) as a child process for the system tests.
 * stdin, stdout and stderr go through files, so a chatty client can never block on a full pipe. Not
 * thread-safe; one per test.
 */
final class ExternalClient {

  /** What a finished client process left behind. */
  record Result(int exitCode, byte[] stdout, String stderr) {

    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    /** For assertion messages: what the client printed. */
    String describe() {
      return "exit " + exitCode + "\nstdout:\n" + stdoutText() + "\nstderr:\n" + stderr;
    }
  }

  private final Path dir;
  private int runs;

  ExternalClient(Path dir) {
    this.dir = dir;
  }

  /**
   * Skips the test when a client is missing on a developer's machine, and fails it in CI (env
   * {@code CI=true}), where .ci/run installs every client.
   */
  static void requireInstalled(boolean available, String client, String installHint) {
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(available, client + " is not installed (" + installHint + ")");
    }
    assertThat(available).as(client + " must be installed in CI").isTrue();
  }

  /** Whether {@code command} runs and exits 0 within ten seconds. */
  static boolean runsCleanly(String... command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs {@code command} to completion with {@code stdin} as its input; fails past the timeout. */
  Result run(List<String> command, byte[] stdin, Duration timeout) throws Exception {
    Path in = dir.resolve("run-" + runs + ".stdin");
    Files.write(in, stdin);
    Background process = start(command, in);
    if (!process.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.process.destroyForcibly().waitFor();
      throw new AssertionError(
          "still running after " + timeout + ": " + command + "\n" + process.result().describe());
    }
    return process.result();
  }

  /** Starts {@code command} in the background with no input; stop it with {@link Background}. */
  Background start(List<String> command) throws IOException {
    Path in = dir.resolve("run-" + runs + ".stdin");
    Files.write(in, new byte[0]);
    return start(command, in);
  }

  private Background start(List<String> command, Path in) throws IOException {
    Path out = dir.resolve("run-" + runs + ".stdout");
    Path err = dir.resolve("run-" + runs + ".stderr");
    runs++;
    Process process =
        new ProcessBuilder(command)
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    return new Background(process, out, err);
  }

  /** A client process that runs until it is stopped; its output so far can be read any time. */
  static final class Background implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private Background(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
    }

    String stdoutSoFar() throws IOException {
      return Files.readString(out, StandardCharsets.ISO_8859_1);
    }

    String stderrSoFar() throws IOException {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    Result result() throws IOException {
      return new Result(
          process.isAlive() ? -1 : process.exitValue(), Files.readAllBytes(out), stderrSoFar());
    }

    /** Asks the client to stop (SIGTERM, so a consumer closes cleanly) and waits for it. */
    Result stop(Duration timeout) throws Exception {
      process.destroy();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
      return result();
    }

    /** Kills the client if it still runs (a test that failed half-way). */
    @Override
    public void close() {
      if (!process.isAlive()) {
        return;
      }
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
