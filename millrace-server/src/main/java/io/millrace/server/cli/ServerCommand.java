package io.millrace.server.cli;

import io.millrace.server.MillraceServer;
import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ConfigException;
import io.millrace.server.config.ServerConfig;
import io.millrace.server.config.ServerConfigReader;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Configuration file (millrace.yaml); see docs/configuration.md.")
  Path configFile;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Directory for all data (default: data, or data_dir in the file).")
  Path dataDirectory;

  @Option(
      names = "--kafka-port",
      paramLabel = "N",
      description = "Port of the Kafka listener (default: 9092, or kafka.port in the file).")
  Integer kafkaPort;

  @Option(
      names = "--http-port",
      paramLabel = "N",
      description = "Port of the HTTP API (default: 8080, or http.port in the file).")
  Integer httpPort;

  @Override
  public void run() {
    long startNanos = System.nanoTime();
    ServerConfig config;
    try {
      config =
          new ServerConfigReader(System::getenv)
              .read(
                  Optional.ofNullable(configFile),
                  new CommandLineOverrides(dataDirectory, kafkaPort, httpPort));
    } catch (ConfigException e) {
      throw new CliException("invalid configuration:\n" + e.getMessage());
    }
    MillraceServer server;
    try {
      server = MillraceServer.start(config);
    } catch (java.io.IOException e) {
      throw new CliException(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread shutdown =
        new Thread(
            () -> {
              try {
                server.close();
              } catch (Exception e) {
                LOG.error("shutdown failed", e);
              } finally {
                stopped.countDown();
              }
            },
            "millrace-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    LOG.info(
        "Millrace ready in {} ms: Kafka on {}:{}, HTTP on {}:{}, {} source{}, data in {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        config.kafka().bindHost(),
        server.kafkaPort(),
        server.httpHost(),
        server.httpPort(),
        server.sourceCount(),
        server.sourceCount() == 1 ? "" : "s",
        config.dataDirectory().toAbsolutePath());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
