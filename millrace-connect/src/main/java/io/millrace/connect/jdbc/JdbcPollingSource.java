package io.millrace.connect.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.connect.ConfigProblem;
import io.millrace.connect.FetchException;
import io.millrace.connect.PollingSource;
import io.millrace.connect.SourceItem;
import io.millrace.connect.SourcePage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Polls a PostgreSQL query by an incrementing cursor: each page is
 *
 * <pre>
 * SELECT * FROM (query) AS source
 *  WHERE (cursor, tieBreaker) &gt; (CAST(? AS type), CAST(? AS type))
 *  ORDER BY cursor, tieBreaker LIMIT batchSize
 * </pre>
 *
 * so rows that share a cursor value (many rows with one updated_at) are read in tie-breaker order
 * and a page boundary between them neither skips nor repeats one. Each row becomes one record whose
 * value is a JSON object of its columns (numbers and booleans as JSON numbers and booleans,
 * everything else as the database's text).
 *
 * <p>The cursor it hands its runner is {@code {"cursor": TEXT, "cursorType": "timestamptz",
 * "tieBreaker": TEXT, "tieBreakerType": "int8"}}: the last row's values as PostgreSQL prints them
 * (exact, microseconds included) and their types, so they are cast back exactly.
 *
 * <p>Limitation (as for every cursor-based poller): a row whose cursor value is assigned before a
 * transaction commits becomes visible late; if a row with a larger cursor value was read in the
 * meantime, the late row is not read. Use a cursor assigned at commit (or a sequence read with
 * care), or a CDC source, when transactions overlap.
 *
 * <p>THREADING: {@link #fetch} is called by one thread at a time (its runner); the connection is
 * opened lazily, kept, and reopened after a failure.
 */
public final class JdbcPollingSource implements PollingSource {

  private static final Pattern TYPE_NAME = Pattern.compile("[a-z_][a-z0-9_ ]{0,62}");

  private final JdbcPollingSourceConfig config;
  private final ObjectMapper mapper;
  private final String firstQuery;
  private final String nextQuery;
  private Connection connection;

  /**
   * @throws IllegalArgumentException naming every setting that breaks a rule
   */
  public JdbcPollingSource(JdbcPollingSourceConfig config, ObjectMapper mapper) {
    ConfigProblem.requireNone(config.name(), config.validate());
    this.config = config;
    this.mapper = mapper;
    String cursor = quote(config.cursorColumn());
    String tieBreaker = quote(config.tieBreakerColumn());
    String select = "SELECT * FROM (" + config.query() + ") AS source";
    String order = " ORDER BY " + cursor + ", " + tieBreaker + " LIMIT " + config.batchSize();
    this.firstQuery = select + order;
    this.nextQuery =
        select
            + " WHERE ("
            + cursor
            + ", "
            + tieBreaker
            + ") > (CAST(? AS %s), CAST(? AS %s))"
            + order;
  }

  private static String quote(String identifier) {
    return "\"" + identifier + "\"";
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public JsonNode initialCursor() {
    ObjectNode cursor = mapper.createObjectNode();
    cursor.putNull("cursor");
    cursor.putNull("cursorType");
    cursor.putNull("tieBreaker");
    cursor.putNull("tieBreakerType");
    return cursor;
  }

  @Override
  public SourcePage fetch(JsonNode cursor) throws FetchException {
    try {
      Connection db = connection();
      try (PreparedStatement statement = prepare(db, cursor)) {
        statement.setQueryTimeout((int) Math.max(1, config.queryTimeoutMs() / 1000));
        try (ResultSet rows = statement.executeQuery()) {
          return page(rows, cursor);
        }
      }
    } catch (SQLException e) {
      closeConnection();
      throw new FetchException(
          "query of source " + config.name() + " failed: " + e.getMessage(),
          isRetriable(e),
          "sql_" + (e.getSQLState() == null ? "unknown" : e.getSQLState()),
          0,
          e);
    }
  }

  private PreparedStatement prepare(Connection db, JsonNode cursor) throws SQLException {
    if (cursor.path("cursor").isNull() || cursor.path("cursor").isMissingNode()) {
      return db.prepareStatement(firstQuery);
    }
    String cursorType = typeName(cursor.path("cursorType").asText());
    String tieBreakerType = typeName(cursor.path("tieBreakerType").asText());
    PreparedStatement statement =
        db.prepareStatement(String.format(nextQuery, cursorType, tieBreakerType));
    statement.setString(1, cursor.path("cursor").asText());
    statement.setString(2, cursor.path("tieBreaker").asText());
    return statement;
  }

  private static String typeName(String name) throws SQLException {
    if (!TYPE_NAME.matcher(name).matches()) {
      throw new SQLException("unexpected column type name in the stored cursor: " + name, "22023");
    }
    return name;
  }

  private SourcePage page(ResultSet rows, JsonNode cursor) throws SQLException, FetchException {
    ResultSetMetaData meta = rows.getMetaData();
    int cursorIndex = rows.findColumn(config.cursorColumn());
    int tieBreakerIndex = rows.findColumn(config.tieBreakerColumn());
    int keyIndex = config.keyColumn() == null ? -1 : rows.findColumn(config.keyColumn());
    List<SourceItem> items = new ArrayList<>();
    ObjectNode after = cursor.deepCopy();
    while (rows.next()) {
      String cursorValue = rows.getString(cursorIndex);
      String tieBreakerValue = rows.getString(tieBreakerIndex);
      if (cursorValue == null || tieBreakerValue == null) {
        throw new FetchException(
            "a row has a null "
                + (cursorValue == null ? config.cursorColumn() : config.tieBreakerColumn())
                + "; cursor and tie-breaker columns must not be null",
            false,
            "null_cursor");
      }
      byte[] key =
          keyIndex < 0 || rows.getString(keyIndex) == null
              ? null
              : rows.getString(keyIndex).getBytes(StandardCharsets.UTF_8);
      items.add(new SourceItem(null, key, rowJson(rows, meta)));
      after.put("cursor", cursorValue);
      after.put("cursorType", meta.getColumnTypeName(cursorIndex));
      after.put("tieBreaker", tieBreakerValue);
      after.put("tieBreakerType", meta.getColumnTypeName(tieBreakerIndex));
    }
    return new SourcePage(items, after, items.size() == config.batchSize());
  }

  private byte[] rowJson(ResultSet rows, ResultSetMetaData meta) throws SQLException {
    ObjectNode row = mapper.createObjectNode();
    for (int column = 1; column <= meta.getColumnCount(); column++) {
      String label = meta.getColumnLabel(column);
      Object value = rows.getObject(column);
      switch (value) {
        case null -> row.putNull(label);
        case Boolean b -> row.put(label, b);
        case Integer i -> row.put(label, i);
        case Long l -> row.put(label, l);
        case Short s -> row.put(label, s);
        case Double d -> row.put(label, d);
        case Float f -> row.put(label, f);
        case BigDecimal d -> row.put(label, d);
        default -> row.put(label, rows.getString(column));
      }
    }
    try {
      return mapper.writeValueAsBytes(row);
    } catch (IOException e) {
      throw new SQLException("cannot encode a row as JSON", "22000", e);
    }
  }

  /** Connection trouble, deadlocks, lack of resources and shutdowns may pass; the rest will not. */
  private static boolean isRetriable(SQLException e) {
    String state = e.getSQLState();
    if (state == null) {
      return true;
    }
    return state.startsWith("08")
        || state.startsWith("40")
        || state.startsWith("53")
        || state.startsWith("57")
        || state.equals("55P03");
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection =
          DriverManager.getConnection(config.jdbcUrl(), config.username(), config.password());
      connection.setReadOnly(true);
    }
    return connection;
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // it is being dropped because it failed
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    closeConnection();
  }
}
