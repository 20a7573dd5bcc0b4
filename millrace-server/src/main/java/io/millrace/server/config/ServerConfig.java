package io.millrace.server.config;

import io.millrace.http.HttpServerConfig;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.LogOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything {@code millrace server} needs to start, validated: defaults, then {@code
 * millrace.yaml}, then command-line flags. Immutable; built by {@link ServerConfigReader}.
 *
 * @param log the log's options, including the data directory and topic defaults
 * @param kafka the Kafka listener
 * @param http the HTTP server
 */
public record ServerConfig(LogOptions log, KafkaListenerConfig kafka, HttpServerConfig http) {

  public ServerConfig {
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(http, "http");
  }

  public Path dataDirectory() {
    return log.dataDirectory();
  }
}
