package io.millrace.connect.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures how many bytes of WAL the database keeps for a CDC source: the server's current WAL
 * position minus the position the source's slot has confirmed, every {@code lagProbeIntervalMs},
 * into {@code millrace.cdc.lag.bytes}. A failed measurement (the database restarting) is logged at
 * debug level and retried at the next interval; the gauge keeps its last value.
 *
 * <p>THREADING: one virtual thread ({@code millrace-cdc-NAME-lag}) owns the JDBC connection; {@link
 * #close} asks it to stop and waits for it.
 */
final class ReplicationLagProbe implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationLagProbe.class);
  private static final String QUERY =
      "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint"
          + " FROM pg_replication_slots WHERE slot_name = ?";

  private final CdcSourceConfig config;
  private final CdcMetrics metrics;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private Thread thread;

  ReplicationLagProbe(CdcSourceConfig config, CdcMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  void start() {
    if (config.lagProbeIntervalMs() > 0) {
      thread = Thread.ofVirtual().name("millrace-cdc-" + config.name() + "-lag").start(this::run);
    }
  }

  private void run() {
    Connection connection = null;
    try {
      while (!stopping.await(config.lagProbeIntervalMs(), TimeUnit.MILLISECONDS)) {
        try {
          if (connection == null || connection.isClosed()) {
            connection = connect();
          }
          measure(connection);
        } catch (SQLException e) {
          LOG.debug("source {}: measuring replication lag failed: {}", config.name(), e.toString());
          closeQuietly(connection);
          connection = null;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(connection);
    }
  }

  private Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", config.username());
    properties.setProperty("password", config.password() == null ? "" : config.password());
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("socketTimeout", "30");
    properties.setProperty("ApplicationName", "millrace-cdc-lag-" + config.name());
    return DriverManager.getConnection(
        "jdbc:postgresql://" + config.hostname() + ":" + config.port() + "/" + config.database(),
        properties);
  }

  private void measure(Connection connection) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
      statement.setString(1, config.slotName());
      try (ResultSet rows = statement.executeQuery()) {
        if (rows.next()) {
          long bytes = rows.getLong(1);
          metrics.lagBytes.set(rows.wasNull() ? -1 : bytes);
        }
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // nothing to do
      }
    }
  }

  @Override
  public void close() {
    stopping.countDown();
    if (thread != null) {
      try {
        thread.join(java.time.Duration.ofSeconds(35));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
