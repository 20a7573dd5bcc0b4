package io.millrace.pipeline.definition;

import io.millrace.common.DidYouMean;
import io.millrace.pipeline.definition.YamlNode.Mapping;
import io.millrace.pipeline.definition.YamlNode.Scalar;
import io.millrace.pipeline.definition.YamlNode.ScalarKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the settings of sink outputs ({@code postgres:}, {@code http:}, {@code file:}) for {@link
 * DefinitionReader}, reporting every shape problem at its position. Not thread-safe.
 */
final class SinkOutputReader {

  /** The output keys that declare a sink, in the order messages list them. */
  static final List<String> KINDS = List.of("postgres", "http", "file");

  /** An SQL identifier we accept unquoted-looking (we quote it anyway), optionally schema.name. */
  private static final Pattern SQL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  private static final Pattern FILE_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  private final Problems problems;

  SinkOutputReader(Problems problems) {
    this.problems = problems;
  }

  /** The sink output of kind {@code kind} (one of {@link #KINDS}), or null (reported). */
  Output.SinkOutput read(String name, String kind, YamlNode node, SourcePosition at) {
    return switch (kind) {
      case "postgres" -> readPostgres(name, node, at);
      case "http" -> readHttp(name, node, at);
      case "file" -> readFile(name, node, at);
      default -> throw new IllegalArgumentException("not a sink kind: " + kind);
    };
  }

  private PostgresOutput readPostgres(String name, YamlNode node, SourcePosition at) {
    Settings pg =
        Settings.of(
            node,
            "postgres",
            List.of(
                "url",
                "user",
                "password",
                "table",
                "mode",
                "key",
                "columns",
                "create_table",
                "batch_size",
                "pool_size"),
            problems);
    if (pg == null) {
      return null;
    }
    int before = problems.sorted().size();
    String url = pg.requiredString("url");
    if (url != null && !url.startsWith("jdbc:postgresql:")) {
      problems.add(
          pg.node("url").position(),
          "postgres url must start with jdbc:postgresql:",
          "e.g. jdbc:postgresql://localhost:5432/analytics");
    }
    String table = pg.requiredString("table");
    if (table != null && !isSqlName(table, true)) {
      problems.add(
          pg.node("table").position(),
          "'" + table + "' is not a table name we accept",
          "letters, digits and '_', not starting with a digit, at most 63; schema.table is fine");
    }
    PostgresOutput.Mode mode = readMode(pg);
    List<PostgresOutput.Column> columns = readColumns(pg);
    List<String> key = readKey(pg, mode, columns);
    boolean createTable = pg.optionalBoolean("create_table", false);
    int batchSize = (int) pg.optionalLong("batch_size", 1000, 1, PostgresOutput.MAX_BATCH_SIZE);
    int poolSize = (int) pg.optionalLong("pool_size", 4, 1, PostgresOutput.MAX_POOL_SIZE);
    if (problems.sorted().size() > before || url == null || table == null || mode == null) {
      return null;
    }
    return new PostgresOutput(
        name,
        url,
        pg.optionalString("user", null),
        pg.optionalString("password", null),
        table,
        mode,
        key,
        columns,
        createTable,
        batchSize,
        poolSize,
        at);
  }

  private PostgresOutput.Mode readMode(Settings pg) {
    String text = pg.optionalString("mode", "upsert");
    return switch (text) {
      case "upsert" -> PostgresOutput.Mode.UPSERT;
      case "append" -> PostgresOutput.Mode.APPEND;
      default -> {
        problems.add(
            pg.positionOf("mode"),
            "unknown postgres mode '" + text + "'",
            DidYouMean.hint(text, List.of("upsert", "append")));
        yield null;
      }
    };
  }

  private List<PostgresOutput.Column> readColumns(Settings pg) {
    List<PostgresOutput.Column> columns = new ArrayList<>();
    YamlNode node = pg.required("columns");
    if (node == null) {
      return columns;
    }
    if (!(node instanceof Mapping mapping) || mapping.entries().isEmpty()) {
      problems.add(
          node.position(),
          "'columns' must be a mapping of column: field path (or column: {path, type})",
          "columns:\n    id: {path: user.id, type: bigint}\n    name: user.name");
      return columns;
    }
    if (mapping.entries().size() > PostgresOutput.MAX_COLUMNS) {
      problems.add(node.position(), "more than " + PostgresOutput.MAX_COLUMNS + " columns");
      return columns;
    }
    mapping
        .entries()
        .forEach(
            (column, spec) -> {
              SourcePosition at = mapping.keyPositions().get(column);
              if (!isSqlName(column, false)) {
                problems.add(
                    at,
                    "'" + column + "' is not a column name we accept",
                    "letters, digits and '_', not starting with a digit, at most 63");
                return;
              }
              PostgresOutput.Column read = readColumn(pg, column, spec);
              if (read != null) {
                columns.add(read);
              }
            });
    return columns;
  }

  private PostgresOutput.Column readColumn(Settings pg, String column, YamlNode spec) {
    if (spec instanceof Scalar scalar && scalar.kind() != ScalarKind.NULL) {
      FieldPath path = pg.fieldPath(spec, column);
      return path == null
          ? null
          : new PostgresOutput.Column(column, path, PostgresOutput.ColumnType.TEXT, false);
    }
    Settings settings =
        Settings.of(spec, "column " + column, List.of("path", "type", "not_null"), problems);
    if (settings == null) {
      return null;
    }
    FieldPath path =
        settings.has("path")
            ? settings.optionalFieldPath("path")
            : FieldPath.parseOrNull(column); // a column name is always a valid one-segment path
    String typeText = settings.optionalString("type", "text").toLowerCase(Locale.ROOT);
    PostgresOutput.ColumnType type = null;
    List<String> typeNames = new ArrayList<>();
    for (PostgresOutput.ColumnType candidate : PostgresOutput.ColumnType.values()) {
      typeNames.add(candidate.sqlName());
      if (candidate.sqlName().equals(typeText)) {
        type = candidate;
      }
    }
    if (type == null) {
      problems.add(
          settings.positionOf("type"),
          "unknown column type '" + typeText + "'",
          DidYouMean.hint(typeText, typeNames));
    }
    boolean notNull = settings.optionalBoolean("not_null", false);
    return path == null || type == null
        ? null
        : new PostgresOutput.Column(column, path, type, notNull);
  }

  private List<String> readKey(
      Settings pg, PostgresOutput.Mode mode, List<PostgresOutput.Column> columns) {
    List<String> key = pg.stringList("key", PostgresOutput.MAX_COLUMNS);
    if (mode == PostgresOutput.Mode.APPEND) {
      if (!key.isEmpty()) {
        problems.add(
            pg.positionOf("key"),
            "'key' only applies to mode: upsert",
            "append writes every record as a new row");
      }
      return List.of();
    }
    if (mode == PostgresOutput.Mode.UPSERT && key.isEmpty()) {
      problems.add(
          pg.positionOf("key"),
          "mode: upsert needs 'key', the columns of the table's primary key or unique index",
          "key: [id]");
    }
    Set<String> columnNames = new HashSet<>();
    columns.forEach(c -> columnNames.add(c.name()));
    if (!columns.isEmpty()) {
      for (String column : key) {
        if (!columnNames.contains(column)) {
          problems.add(
              pg.positionOf("key"),
              "key column '" + column + "' is not in 'columns'",
              DidYouMean.hint(column, List.copyOf(columnNames)));
        }
      }
      if (!key.isEmpty() && columnNames.equals(new HashSet<>(key))) {
        problems.add(
            pg.positionOf("key"),
            "every column is a key column, so an upsert would have nothing to update",
            "add a value column, or use mode: append");
      }
    }
    return key;
  }

  private static boolean isSqlName(String text, boolean schemaAllowed) {
    int dot = text.indexOf('.');
    if (schemaAllowed && dot > 0) {
      return SQL_NAME.matcher(text.substring(0, dot)).matches()
          && SQL_NAME.matcher(text.substring(dot + 1)).matches();
    }
    return SQL_NAME.matcher(text).matches();
  }

  private HttpOutput readHttp(String name, YamlNode node, SourcePosition at) {
    Settings http =
        Settings.of(
            node,
            "http",
            List.of("url", "method", "mode", "headers", "auth", "timeout_ms"),
            problems);
    if (http == null) {
      return null;
    }
    int before = problems.sorted().size();
    String url = http.requiredString("url");
    if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
      problems.add(
          http.node("url").position(),
          "http url must start with http:// or https://",
          "e.g. https://hooks.example.com/orders");
    }
    String method = http.optionalString("method", "POST").toUpperCase(Locale.ROOT);
    if (!method.equals("POST") && !method.equals("PUT")) {
      problems.add(http.positionOf("method"), "http method must be POST or PUT");
    }
    String modeText = http.optionalString("mode", "batch");
    HttpOutput.Mode mode =
        switch (modeText) {
          case "record" -> HttpOutput.Mode.RECORD;
          case "batch" -> HttpOutput.Mode.BATCH;
          default -> {
            problems.add(
                http.positionOf("mode"),
                "unknown http mode '" + modeText + "'",
                DidYouMean.hint(modeText, List.of("record", "batch")));
            yield null;
          }
        };
    Map<String, String> headers = readHeaders(http);
    HttpOutput.Auth auth = http.has("auth") ? readAuth(http.node("auth")) : null;
    long timeoutMs = http.optionalLong("timeout_ms", 10_000, 1, HttpOutput.MAX_TIMEOUT_MS);
    if (problems.sorted().size() > before || url == null || mode == null) {
      return null;
    }
    return new HttpOutput(name, url, method, mode, headers, auth, timeoutMs, at);
  }

  private Map<String, String> readHeaders(Settings http) {
    Map<String, String> headers = new LinkedHashMap<>();
    YamlNode node = http.node("headers");
    if (node == null) {
      return headers;
    }
    if (!(node instanceof Mapping mapping) || mapping.entries().size() > HttpOutput.MAX_HEADERS) {
      problems.add(
          node.position(),
          "'headers' must be a mapping of header: value, at most " + HttpOutput.MAX_HEADERS);
      return headers;
    }
    mapping
        .entries()
        .forEach(
            (header, value) -> {
              if (header.equalsIgnoreCase("authorization")) {
                problems.add(
                    mapping.keyPositions().get(header),
                    "set Authorization with 'auth', not as a header",
                    "auth: {bearer: ${TOKEN}} or auth: {basic: {user: u, password: ${PASSWORD}}}");
                return;
              }
              String text = http.string(value, header);
              if (text != null) {
                headers.put(header, text);
              }
            });
    return headers;
  }

  private HttpOutput.Auth readAuth(YamlNode node) {
    Settings auth = Settings.of(node, "auth", List.of("bearer", "basic"), problems);
    if (auth == null) {
      return null;
    }
    if (auth.has("bearer") == auth.has("basic")) {
      problems.add(auth.position(), "auth needs exactly one of 'bearer' and 'basic'");
      return null;
    }
    if (auth.has("bearer")) {
      String token = auth.requiredString("bearer");
      return token == null ? null : new HttpOutput.Auth.Bearer(token);
    }
    Settings basic =
        Settings.of(auth.node("basic"), "basic auth", List.of("user", "password"), problems);
    if (basic == null) {
      return null;
    }
    String user = basic.requiredString("user");
    String password = basic.requiredString("password");
    return user == null || password == null ? null : new HttpOutput.Auth.Basic(user, password);
  }

  private FileOutput readFile(String name, YamlNode node, SourcePosition at) {
    Settings file =
        Settings.of(
            node,
            "file",
            List.of("directory", "prefix", "roll_bytes", "roll_interval_ms"),
            problems);
    if (file == null) {
      return null;
    }
    String directory = file.requiredString("directory");
    String prefix = file.optionalString("prefix", name);
    if (prefix != null && !FILE_PREFIX.matcher(prefix).matches()) {
      problems.add(
          file.positionOf("prefix"),
          "file prefix '" + prefix + "' is not allowed",
          "letters, digits, '.', '_' and '-', at most 100");
      prefix = null;
    }
    long rollBytes =
        file.optionalLong("roll_bytes", FileOutput.DEFAULT_ROLL_BYTES, 1, Long.MAX_VALUE);
    long rollIntervalMs =
        file.optionalLong(
            "roll_interval_ms", FileOutput.DEFAULT_ROLL_INTERVAL_MS, 1_000, 31L * 86_400_000);
    return directory == null || prefix == null
        ? null
        : new FileOutput(name, directory, prefix, rollBytes, rollIntervalMs, at);
  }
}
