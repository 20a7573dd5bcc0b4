package io.millrace.connect.sink.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small bounded pool of PostgreSQL connections shared by the sinks of one output (one sink per
 * task): at most {@code size} connections exist at once; a borrower waits up to {@code
 * borrowTimeoutMs} for one. Connections are opened lazily and a connection returned as broken is
 * closed rather than reused, so after a database restart the next borrow opens a fresh one.
 *
 * <p>Thread-safe: the semaphore bounds the connections, the idle deque is guarded by {@code this}.
 */
final class ConnectionPool implements AutoCloseable {

  /** A pooled connection. */
  record Session(Connection connection) {}

  private final String url;
  private final Properties properties;
  private final Semaphore permits;
  private final long borrowTimeoutMs;
  private final Deque<Session> idle = new ArrayDeque<>();
  private boolean closed;

  ConnectionPool(String url, String user, String password, int size, long borrowTimeoutMs) {
    this.url = url;
    this.properties = new Properties();
    if (user != null) {
      properties.setProperty("user", user);
    }
    if (password != null) {
      properties.setProperty("password", password);
    }
    // Bounded waits: a dead server must surface as an error the delivery retries, never a hang.
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("loginTimeout", "10");
    properties.setProperty("socketTimeout", "120");
    properties.setProperty("tcpKeepAlive", "true");
    properties.setProperty("ApplicationName", "millrace-sink");
    this.permits = new Semaphore(size);
    this.borrowTimeoutMs = borrowTimeoutMs;
  }

  /**
   * A session for exclusive use until {@link #release}; opens a connection when none is idle.
   *
   * @throws SQLException when connecting fails or no connection is free in time (SQLState 08001)
   */
  Session borrow() throws SQLException {
    try {
      if (!permits.tryAcquire(borrowTimeoutMs, TimeUnit.MILLISECONDS)) {
        throw new SQLException(
            "no free connection in the pool after " + borrowTimeoutMs + " ms", "08001");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted waiting for a connection", "08001", e);
    }
    Session session;
    synchronized (this) {
      if (closed) {
        permits.release();
        throw new SQLException("the connection pool is closed", "08003");
      }
      session = idle.pollFirst();
    }
    if (session != null) {
      return session;
    }
    try {
      Connection connection = DriverManager.getConnection(url, properties);
      connection.setAutoCommit(false);
      return new Session(connection);
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  /**
   * Gives the session back; a {@code broken} one (or any after close) is closed instead, and so are
   * the idle ones: a broken connection usually means the server restarted, which broke them all,
   * and the next retry should not spend its attempt discovering that one connection at a time.
   */
  void release(Session session, boolean broken) {
    Deque<Session> toClose = new ArrayDeque<>();
    synchronized (this) {
      if (broken || closed) {
        toClose.add(session);
        toClose.addAll(idle);
        idle.clear();
      } else {
        idle.addFirst(session);
      }
    }
    toClose.forEach(ConnectionPool::closeQuietly);
    permits.release();
  }

  @Override
  public void close() {
    Deque<Session> toClose;
    synchronized (this) {
      closed = true;
      toClose = new ArrayDeque<>(idle);
      idle.clear();
    }
    toClose.forEach(ConnectionPool::closeQuietly);
  }

  private static void closeQuietly(Session session) {
    try {
      session.connection().close();
    } catch (SQLException e) {
      // Closing a broken connection: nothing to do with the error.
    }
  }
}
