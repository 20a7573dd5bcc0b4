package io.millrace.server.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.connect.PollingSource;
import io.millrace.connect.SourceSettings;
import io.millrace.connect.cdc.CdcSourceConfig;
import io.millrace.connect.http.HttpPollingSource;
import io.millrace.connect.http.HttpPollingSourceConfig;
import io.millrace.connect.jdbc.JdbcPollingSource;
import io.millrace.connect.jdbc.JdbcPollingSourceConfig;

/**
 * One source declared under {@code sources:} in millrace.yaml, validated: a polling source (HTTP,
 * JDBC) or a change data capture source. Immutable.
 */
public sealed interface SourceDefinition {

  /** The source's unique name. */
  String name();

  /** A polling source; {@link #open} creates the source a {@code SourceScheduler} runs. */
  sealed interface Polling extends SourceDefinition {

    /** The settings every polling source has: name, topic, interval, retry. */
    SourceSettings settings();

    /** A new source (not yet started); the caller hands it to a {@code SourceScheduler}. */
    PollingSource open(ObjectMapper mapper);

    @Override
    default String name() {
      return settings().name();
    }
  }

  /** {@code type: http}. */
  record Http(HttpPollingSourceConfig config) implements Polling {
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
  record Jdbc(JdbcPollingSourceConfig config) implements Polling {
    @Override
    public SourceSettings settings() {
      return config.settings();
    }

    @Override
    public PollingSource open(ObjectMapper mapper) {
      return new JdbcPollingSource(config, mapper);
    }
  }

  /** {@code type: cdc}: change data capture from PostgreSQL (see docs/cdc.md). */
  record Cdc(CdcSourceConfig config) implements SourceDefinition {
    @Override
    public String name() {
      return config.name();
    }
  }
}
