package io.millrace.connect.jdbc;

import io.millrace.common.RetryPolicy;
import io.millrace.connect.ConfigProblem;
import io.millrace.connect.SourceSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The settings of a {@link JdbcPollingSource}, immutable. Component names are the setting names a
 * configuration file will use; {@link #validate()} names the setting and the rule of every problem.
 *
 * @param name the source's unique name (keys its position)
 * @param topic the topic written to
 * @param jdbcUrl the database, e.g. {@code jdbc:postgresql://host:5432/db}
 * @param username the database user
 * @param password the database password (never printed)
 * @param query a SELECT returning the rows to ingest; the source wraps it as {@code SELECT * FROM
 *     (query) AS source WHERE (cursorColumn, tieBreakerColumn) > (?, ?) ORDER BY cursorColumn,
 *     tieBreakerColumn LIMIT batchSize}
 * @param cursorColumn a column that only grows for new or changed rows (an id or updated_at)
 * @param tieBreakerColumn a unique column (the primary key) that orders rows with equal cursor
 *     values, so that ties are neither skipped nor read twice; may equal cursorColumn when that is
 *     unique
 * @param keyColumn the column whose text becomes the record key; null = no key
 * @param batchSize rows per query (one page)
 * @param intervalMs the wait between polls once caught up
 * @param queryTimeoutMs the longest a query may run
 * @param retry retries of failed queries
 */
public record JdbcPollingSourceConfig(
    String name,
    String topic,
    String jdbcUrl,
    String username,
    String password,
    String query,
    String cursorColumn,
    String tieBreakerColumn,
    String keyColumn,
    int batchSize,
    long intervalMs,
    long queryTimeoutMs,
    RetryPolicy retry) {

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /** Every problem of this configuration; empty when it is valid. */
  public List<ConfigProblem> validate() {
    List<ConfigProblem> problems = new ArrayList<>();
    settings().validate(problems);
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
      problems.add(
          new ConfigProblem("jdbcUrl", "must be a PostgreSQL JDBC URL (jdbc:postgresql://...)"));
    }
    if (username == null || username.isEmpty()) {
      problems.add(new ConfigProblem("username", "must be set"));
    }
    if (query == null || !query.strip().regionMatches(true, 0, "select", 0, 6)) {
      problems.add(new ConfigProblem("query", "must be a SELECT statement"));
    } else if (query.contains(";")) {
      problems.add(new ConfigProblem("query", "must be one statement, without ';'"));
    }
    checkIdentifier("cursorColumn", cursorColumn, problems);
    checkIdentifier("tieBreakerColumn", tieBreakerColumn, problems);
    if (keyColumn != null) {
      checkIdentifier("keyColumn", keyColumn, problems);
    }
    if (batchSize < 1 || batchSize > 100_000) {
      problems.add(new ConfigProblem("batchSize", "must be between 1 and 100000"));
    }
    if (queryTimeoutMs < 1000 || queryTimeoutMs > 3_600_000) {
      problems.add(new ConfigProblem("queryTimeoutMs", "must be between 1000 and 3600000"));
    }
    return problems;
  }

  /** The settings every polling source has (no id de-duplication: the cursor is exact). */
  public SourceSettings settings() {
    return new SourceSettings(name, topic, intervalMs, retry, 0);
  }

  private static void checkIdentifier(String setting, String value, List<ConfigProblem> problems) {
    if (value == null || !IDENTIFIER.matcher(value).matches()) {
      problems.add(
          new ConfigProblem(
              setting, "must be a column name: a letter or _, then letters, digits or _"));
    }
  }

  @Override
  public String toString() {
    return "JdbcPollingSourceConfig[name="
        + name
        + ", topic="
        + topic
        + ", jdbcUrl="
        + jdbcUrl
        + ", username="
        + username
        + ", password=***, cursorColumn="
        + cursorColumn
        + ", tieBreakerColumn="
        + tieBreakerColumn
        + ", batchSize="
        + batchSize
        + "]";
  }
}
