package io.millrace.connect.sink.postgres;

import io.millrace.pipeline.definition.PostgresOutput;
import io.millrace.pipeline.definition.PostgresOutput.Column;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the sinks of one postgres output share: the connection pool, the SQL they run, and whether
 * the table has been created. Names are double-quoted, so they are used exactly as written (the
 * definition reader only admits letters, digits and '_').
 *
 * <p>Thread-safe: the pool is; table creation is done once under {@code this}.
 */
public final class PostgresTarget implements AutoCloseable {

  private final PostgresOutput output;
  private final ConnectionPool pool;
  private final String createTable;
  private final String copyIntoTarget;
  private final String upsertArrays;
  private final String insertRow;
  private boolean tableReady;

  public PostgresTarget(PostgresOutput output) {
    this.output = output;
    this.pool =
        new ConnectionPool(
            output.url(), output.user(), output.password(), output.poolSize(), 30_000);
    String table = qualified(output.table());
    String columns = names(output.columns());
    String upsert =
        output.mode() == PostgresOutput.Mode.UPSERT
            ? " ON CONFLICT ("
                + quoted(output.key())
                + ") DO UPDATE SET "
                + output.columns().stream()
                    .filter(c -> !output.key().contains(c.name()))
                    .map(c -> quote(c.name()) + " = EXCLUDED." + quote(c.name()))
                    .collect(Collectors.joining(", "))
            : "";
    this.createTable = createTableSql(output, table);
    this.copyIntoTarget = "COPY " + table + " (" + columns + ") FROM STDIN";
    // One parameter per column: an array literal of the batch's values, read as the column's type.
    this.upsertArrays =
        "INSERT INTO "
            + table
            + " ("
            + columns
            + ") SELECT * FROM unnest("
            + output.columns().stream()
                .map(c -> "?::" + c.type().sqlName() + "[]")
                .collect(Collectors.joining(", "))
            + ")"
            + upsert;
    this.insertRow =
        "INSERT INTO "
            + table
            + " ("
            + columns
            + ") VALUES ("
            + output.columns().stream()
                .map(c -> "?::" + c.type().sqlName())
                .collect(Collectors.joining(", "))
            + ")"
            + upsert;
  }

  private static String createTableSql(PostgresOutput output, String table) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table).append(" (");
    for (Column column : output.columns()) {
      sql.append(quote(column.name())).append(' ').append(column.type().sqlName());
      if (column.notNull() || output.key().contains(column.name())) {
        sql.append(" NOT NULL");
      }
      sql.append(", ");
    }
    if (output.key().isEmpty()) {
      sql.setLength(sql.length() - 2);
    } else {
      sql.append("PRIMARY KEY (").append(quoted(output.key())).append(')');
    }
    return sql.append(')').toString();
  }

  PostgresOutput output() {
    return output;
  }

  ConnectionPool pool() {
    return pool;
  }

  String copyIntoTarget() {
    return copyIntoTarget;
  }

  String upsertArrays() {
    return upsertArrays;
  }

  String insertRow() {
    return insertRow;
  }

  /** Creates the table once when the output asks for it; a no-op afterwards. */
  synchronized void ensureTable(ConnectionPool.Session session) throws SQLException {
    if (tableReady || !output.createTable()) {
      return;
    }
    try (Statement statement = session.connection().createStatement()) {
      statement.execute(createTable);
      session.connection().commit();
    } catch (SQLException e) {
      session.connection().rollback();
      // Another process created it at the same moment: IF NOT EXISTS is not atomic in PostgreSQL.
      if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
        throw e;
      }
    }
    tableReady = true;
  }

  static String quote(String name) {
    return '"' + name + '"';
  }

  static String qualified(String table) {
    int dot = table.indexOf('.');
    return dot < 0
        ? quote(table)
        : quote(table.substring(0, dot)) + "." + quote(table.substring(dot + 1));
  }

  private static String names(List<Column> columns) {
    return columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
  }

  private static String quoted(List<String> names) {
    return names.stream().map(PostgresTarget::quote).collect(Collectors.joining(", "));
  }

  @Override
  public void close() {
    pool.close();
  }
}
