package io.millrace.connect.sink.postgres;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.engine.sink.RetriableSinkException;
import io.millrace.engine.sink.Sink;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.pipeline.definition.PostgresOutput;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes records as rows of one PostgreSQL table, each {@link #write} in one transaction.
 *
 * <ul>
 *   <li>append: {@code COPY table FROM STDIN}. A replay after a crash (between the commit and the
 *       runtime committing its input offsets) appends the replayed rows again: at least once.
 *   <li>upsert: COPY into a session-local staging table, then {@code INSERT INTO table SELECT … ON
 *       CONFLICT (key) DO UPDATE}. Within a batch the last record of a key wins (as if written one
 *       by one); a replay rewrites the same rows with the same values: idempotent.
 * </ul>
 *
 * A record PostgreSQL refuses (data exception 22xxx or constraint violation 23xxx, such as a null
 * in a NOT NULL column) fails the whole statement; the batch is then written again row by row, each
 * row under a savepoint, and the rows that fail are rejected with PostgreSQL's message while the
 * rest commit. Records the sink can tell are bad before sending them (not JSON, a string for a
 * bigint, no value) are rejected without a round trip. Connection-class failures and anything else
 * become {@link RetriableSinkException}, and the connection is discarded.
 *
 * <p>Threading: one write at a time (the {@link Sink} contract); the JDBC work runs on the given
 * executor (blocking I/O; virtual threads suit it), holding one pooled connection for the write.
 */
public final class PostgresSink implements Sink {

  private final PostgresTarget target;
  private final PostgresOutput output;
  private final RowConverter converter;
  private final Executor executor;
  private final CopyText copyText = new CopyText();
  private final StringBuilder arrayLiteral = new StringBuilder(64 * 1024);
  private final int[] keyColumns;

  public PostgresSink(PostgresTarget target, ObjectMapper mapper, Executor executor) {
    this.target = target;
    this.output = target.output();
    this.converter = new RowConverter(mapper, output.columns());
    this.executor = executor;
    List<String> names = output.columns().stream().map(PostgresOutput.Column::name).toList();
    this.keyColumns = output.key().stream().mapToInt(names::indexOf).toArray();
  }

  /** Rows ready to send, with the index of the record each came from. */
  private record Rows(List<String[]> values, List<Integer> indexes) {}

  /**
   * Append: COPY text goes out in chunks of about this size, so PostgreSQL parses one while the
   * next is converted.
   */
  private static final int COPY_CHUNK_BYTES = 32 * 1024;

  @Override
  public CompletableFuture<SinkResult> write(List<SinkRecord> records) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return writeNow(records);
          } catch (RetriableSinkException e) {
            throw new CompletionException(e);
          }
        },
        executor);
  }

  private SinkResult writeNow(List<SinkRecord> records) throws RetriableSinkException {
    List<SinkResult.Rejected> rejected = new ArrayList<>();
    Rows rows = null;
    if (output.mode() == PostgresOutput.Mode.UPSERT) {
      rows = convert(records, rejected); // all of them first: a later record of a key wins
      if (rows.values().isEmpty()) {
        return new SinkResult(rejected);
      }
    }
    ConnectionPool.Session session;
    try {
      session = target.pool().borrow();
    } catch (SQLException e) {
      throw retriable("cannot connect", e);
    }
    boolean broken = true;
    try {
      target.ensureTable(session);
      writeRows(session, records, rows, rejected);
      broken = false;
    } catch (SQLException e) {
      throw retriable("write failed", e);
    } finally {
      target.pool().release(session, broken);
    }
    rejected.sort((a, b) -> Integer.compare(a.index(), b.index()));
    return new SinkResult(rejected);
  }

  private Rows convert(List<SinkRecord> records, List<SinkResult.Rejected> rejected) {
    List<String[]> values = new ArrayList<>(records.size());
    List<Integer> indexes = new ArrayList<>(records.size());
    Map<String, Integer> rowOfKey = keyColumns.length == 0 ? null : new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      RowConverter.Row row = converter.convert(records.get(i).value());
      if (row.rejection() != null) {
        rejected.add(new SinkResult.Rejected(i, row.rejection()));
        continue;
      }
      if (rowOfKey != null) {
        String key = key(row.values());
        if (key == null) {
          rejected.add(new SinkResult.Rejected(i, "a key column is null"));
          continue;
        }
        Integer earlier = rowOfKey.put(key, values.size());
        if (earlier != null) {
          values.set(earlier, null); // superseded by this later record of the same key
        }
      }
      values.add(row.values());
      indexes.add(i);
    }
    if (rowOfKey != null && rowOfKey.size() < values.size()) {
      List<String[]> kept = new ArrayList<>(rowOfKey.size());
      List<Integer> keptIndexes = new ArrayList<>(rowOfKey.size());
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i) != null) {
          kept.add(values.get(i));
          keptIndexes.add(indexes.get(i));
        }
      }
      return new Rows(kept, keptIndexes);
    }
    return new Rows(values, indexes);
  }

  private String key(String[] values) {
    if (keyColumns.length == 1) {
      return values[keyColumns[0]];
    }
    StringBuilder key = new StringBuilder();
    for (int column : keyColumns) {
      if (values[column] == null) {
        return null;
      }
      key.append(values[column].length()).append(':').append(values[column]);
    }
    return key.toString();
  }

  /**
   * Writes in one transaction; on a data error, again row by row. {@code rows} is null in append
   * mode, where records are converted while COPY streams (PostgreSQL parses one chunk while the
   * next is converted).
   */
  private void writeRows(
      ConnectionPool.Session session,
      List<SinkRecord> records,
      Rows converted,
      List<SinkResult.Rejected> rejected)
      throws SQLException {
    Connection connection = session.connection();
    Rows rows = converted != null ? converted : new Rows(new ArrayList<>(), new ArrayList<>());
    int[] next = {converted != null ? records.size() : 0}; // the first record not yet converted
    List<SinkResult.Rejected> rejectedBefore = new ArrayList<>();
    try {
      if (converted != null) {
        upsert(connection, rows);
      } else {
        copyConverting(connection, records, rows, next, rejectedBefore);
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      if (!isDataError(e)) {
        throw e;
      }
      // PgJDBC reports a COPY's error at endCopy, after every record was converted; should a
      // writeToCopy fail first, the records not reached yet are converted here.
      for (int i = next[0]; i < records.size(); i++) {
        convertOne(records, i, rows, rejectedBefore);
      }
      writeRowByRow(connection, rows, rejected);
      connection.commit();
    } finally {
      rejected.addAll(rejectedBefore);
    }
  }

  /** Append: converts records and streams them to COPY in chunks of about 32 KiB. */
  private void copyConverting(
      Connection connection,
      List<SinkRecord> records,
      Rows rows,
      int[] next,
      List<SinkResult.Rejected> rejected)
      throws SQLException {
    CopyIn copy =
        connection.unwrap(PGConnection.class).getCopyAPI().copyIn(target.copyIntoTarget());
    try {
      copyText.clear();
      while (next[0] < records.size()) {
        if (convertOne(records, next[0]++, rows, rejected)) {
          copyText.appendRow(-1, rows.values().get(rows.values().size() - 1));
          if (copyText.length() >= COPY_CHUNK_BYTES) {
            copy.writeToCopy(copyText.bytes(), 0, copyText.length());
            copyText.clear();
          }
        }
      }
      if (copyText.length() > 0) {
        copy.writeToCopy(copyText.bytes(), 0, copyText.length());
      }
      copy.endCopy();
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  /** Converts record {@code index}: adds its row, or its rejection; true when it became a row. */
  private boolean convertOne(
      List<SinkRecord> records, int index, Rows rows, List<SinkResult.Rejected> rejected) {
    RowConverter.Row row = converter.convert(records.get(index).value());
    if (row.rejection() != null) {
      rejected.add(new SinkResult.Rejected(index, row.rejection()));
      return false;
    }
    rows.values().add(row.values());
    rows.indexes().add(index);
    return true;
  }

  /**
   * One {@code INSERT … SELECT FROM unnest(arrays) ON CONFLICT} per chunk of batch_size rows. Each
   * column's values go as one array literal in a string parameter, which PostgreSQL parses straight
   * into the column type's array ({@code $1::bigint[]}): cheaper on both sides than a driver-built
   * {@code text[]} cast element by element.
   */
  private void upsert(Connection connection, Rows rows) throws SQLException {
    List<PostgresOutput.Column> columns = output.columns();
    try (PreparedStatement upsert = connection.prepareStatement(target.upsertArrays())) {
      int perChunk = output.batchSize();
      for (int from = 0; from < rows.values().size(); from += perChunk) {
        int to = Math.min(rows.values().size(), from + perChunk);
        for (int column = 0; column < columns.size(); column++) {
          arrayLiteral.setLength(0);
          arrayLiteral.append('{');
          boolean quote = needsQuotes(columns.get(column).type());
          for (int i = from; i < to; i++) {
            if (i > from) {
              arrayLiteral.append(',');
            }
            appendArrayElement(arrayLiteral, rows.values().get(i)[column], quote);
          }
          upsert.setString(column + 1, arrayLiteral.append('}').toString());
        }
        upsert.executeUpdate();
      }
    }
  }

  /** Numbers and booleans (checked by {@link RowConverter}) never need quoting in an array. */
  private static boolean needsQuotes(PostgresOutput.ColumnType type) {
    return switch (type) {
      case BIGINT, DOUBLE_PRECISION, BOOLEAN -> false;
      case TEXT, JSONB, TIMESTAMPTZ -> true;
    };
  }

  /**
   * An element of an array literal: {@code NULL}, or the text (in double quotes, with {@code \} and
   * {@code "} escaped by a backslash, when it may hold characters the array syntax treats
   * specially).
   */
  static void appendArrayElement(StringBuilder literal, String value, boolean quote) {
    if (value == null) {
      literal.append("NULL");
    } else if (!quote) {
      literal.append(value);
    } else {
      literal.append('"');
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c == '"' || c == '\\') {
          literal.append('\\');
        }
        literal.append(c);
      }
      literal.append('"');
    }
  }

  private void writeRowByRow(Connection connection, Rows rows, List<SinkResult.Rejected> rejected)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(target.insertRow())) {
      for (int row = 0; row < rows.values().size(); row++) {
        String[] values = rows.values().get(row);
        for (int column = 0; column < values.length; column++) {
          if (values[column] == null) {
            insert.setNull(column + 1, Types.VARCHAR);
          } else {
            insert.setString(column + 1, values[column]);
          }
        }
        Savepoint savepoint = connection.setSavepoint();
        try {
          insert.executeUpdate();
          connection.releaseSavepoint(savepoint);
        } catch (SQLException e) {
          if (!isDataError(e)) {
            throw e;
          }
          connection.rollback(savepoint);
          rejected.add(
              new SinkResult.Rejected(
                  rows.indexes().get(row),
                  "PostgreSQL refused the row: "
                      + firstLine(e)
                      + " (SQLState "
                      + e.getSQLState()
                      + ")"));
        }
      }
    }
  }

  /** Data exceptions (22) and integrity constraint violations (23): the row, not the database. */
  static boolean isDataError(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  private static RetriableSinkException retriable(String what, SQLException e) {
    return new RetriableSinkException(
        "postgres " + what + ": " + firstLine(e) + " (SQLState " + e.getSQLState() + ")", e);
  }

  private static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  @Override
  public void close() {
    // The pool belongs to the PostgresTarget, shared by this output's sinks; nothing of ours is
    // open.
  }
}
