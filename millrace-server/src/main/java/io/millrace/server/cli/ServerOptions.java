package io.millrace.server.cli;

import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ConfigException;
import io.millrace.server.config.ServerConfig;
import io.millrace.server.config.ServerConfigReader;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options that start a server, shared by {@code millrace server} and {@code millrace run}. */
final class ServerOptions {

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

  /** Defaults, then the file, then the flags. */
  ServerConfig read() {
    try {
      return new ServerConfigReader(System::getenv)
          .read(
              Optional.ofNullable(configFile),
              new CommandLineOverrides(dataDirectory, kafkaPort, httpPort));
    } catch (ConfigException e) {
      throw new CliException("invalid configuration:\n" + e.getMessage());
    }
  }
}
