package io.millrace.server.config;

import io.millrace.http.HttpServerConfig;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.LogOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code millrace server} needs to start, validated: defaults, then {@code
 * millrace.yaml}, then command-line flags. Immutable; built by {@link ServerConfigReader}.
 *
 * @param log the log's options, including the data directory and topic defaults
 * @param kafka the Kafka listener
 * @param http the HTTP server
 * @param sources the pull sources, in file order, names unique
 */
public record ServerConfig(
    LogOptions log,
    KafkaListenerConfig kafka,
    HttpServerConfig http,
    List<SourceDefinition> sources) {

  public ServerConfig {
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(http, "http");
    sources = List.copyOf(sources);
  }

  /** A server without sources. */
  public ServerConfig(LogOptions log, KafkaListenerConfig kafka, HttpServerConfig http) {
    this(log, kafka, http, List.of());
  }

  public Path dataDirectory() {
    return log.dataDirectory();
  }
}
