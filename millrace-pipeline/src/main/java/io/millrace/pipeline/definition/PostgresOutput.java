package io.millrace.pipeline.definition;

import java.util.List;

/**
 * Records become rows of a PostgreSQL table: upserted by key ({@code INSERT … ON CONFLICT}) or
 * appended with COPY. Each column takes its value from a field of the record's JSON value.
 *
 * @param url a {@code jdbc:postgresql:} URL
 * @param user null to leave it to the URL
 * @param password null to leave it to the URL
 * @param table the table, optionally schema-qualified ({@code analytics.orders})
 * @param key the conflict target of upserts (empty for append)
 * @param columns in table order
 * @param createTable create the table from {@code columns} when it does not exist
 * @param batchSize upsert: most rows per statement; larger batches from the runtime are split
 * @param poolSize most connections this output opens, across all of the pipeline's tasks
 */
public record PostgresOutput(
    String name,
    String url,
    String user,
    String password,
    String table,
    Mode mode,
    List<String> key,
    List<Column> columns,
    boolean createTable,
    int batchSize,
    int poolSize,
    SourcePosition position)
    implements Output.SinkOutput {

  public static final int MAX_COLUMNS = 256;
  public static final int MAX_BATCH_SIZE = 100_000;
  public static final int MAX_POOL_SIZE = 64;

  public PostgresOutput {
    key = List.copyOf(key);
    columns = List.copyOf(columns);
  }

  @Override
  public String toString() {
    return "PostgresOutput[" + name + " -> " + table + " (" + mode + ") at " + url + "]";
  }

  /** How rows are written. */
  public enum Mode {
    /** {@code INSERT … ON CONFLICT (key) DO UPDATE}: replays rewrite the same rows (idempotent). */
    UPSERT,
    /** {@code COPY … FROM STDIN}: fastest; replays after a crash append duplicates. */
    APPEND
  }

  /** A PostgreSQL column type a JSON value converts to. */
  public enum ColumnType {
    TEXT("text"),
    BIGINT("bigint"),
    DOUBLE_PRECISION("double precision"),
    BOOLEAN("boolean"),
    JSONB("jsonb"),
    TIMESTAMPTZ("timestamptz");

    private final String sqlName;

    ColumnType(String sqlName) {
      this.sqlName = sqlName;
    }

    /** The type as SQL and the YAML setting spell it. */
    public String sqlName() {
      return sqlName;
    }
  }

  /**
   * One column.
   *
   * @param path the field of the record value it takes its value from
   * @param notNull declared NOT NULL when the table is created (key columns always are)
   */
  public record Column(String name, FieldPath path, ColumnType type, boolean notNull) {}
}
