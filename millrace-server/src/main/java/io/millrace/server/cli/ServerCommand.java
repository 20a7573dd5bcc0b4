package io.millrace.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code millrace server}: reads the configuration (defaults, then {@code --config FILE}, then the
 * flags), opens the data directory, starts the Kafka listener and the HTTP server, and runs until
 * SIGTERM or SIGINT, then shuts down cleanly so the next start skips the recovery scan.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Start Millrace on a data directory and run until stopped (SIGTERM or Ctrl-C):",
      "the log (recovery, retention, compaction), the Kafka listener and the HTTP API.",
      "Settings come from --config (millrace.yaml); flags override the file."
    })
final class ServerCommand implements Runnable {

  @Mixin ServerOptions options;

  @Override
  public void run() {
    ServerRunner.runUntilStopped(options.read(), server -> {});
  }
}
