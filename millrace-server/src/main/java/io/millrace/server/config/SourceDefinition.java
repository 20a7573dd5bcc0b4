package io.millrace.server.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.connect.PollingSource;
import io.millrace.connect.SourceSettings;
import io.millrace.connect.http.HttpPollingSource;
import io.millrace.connect.http.HttpPollingSourceConfig;
import io.millrace.connect.jdbc.JdbcPollingSource;
import io.millrace.connect.jdbc.JdbcPollingSourceConfig;

/**
 * One pull source declared under {@code sources:} in millrace.yaml, validated. Immutable; {@link
 * #open} creates the source the scheduler runs.
 */
public sealed interface SourceDefinition {

  /** The settings every source has: name, topic, interval, retry. */
  SourceSettings settings();

  /** A new source (not yet started); the caller hands it to a {@code SourceScheduler}. */
  PollingSource open(ObjectMapper mapper);

  /** {@code type: http}. */
  record Http(HttpPollingSourceConfig config) implements SourceDefinition {
    @Override
    public SourceSettings settings() {
      return config.settings();
    }

    @Override
    public PollingSource open(ObjectMapper mapper) {
      return new HttpPollingSource(config, mapper);
    }
  }

  /** {@code type: jdbc}. */
  record Jdbc(JdbcPollingSourceConfig config) implements SourceDefinition {
    @Override
    public SourceSettings settings() {
      return config.settings();
    }

    @Override
    public PollingSource open(ObjectMapper mapper) {
      return new JdbcPollingSource(config, mapper);
    }
  }
}
