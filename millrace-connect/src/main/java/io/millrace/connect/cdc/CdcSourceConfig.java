package io.millrace.connect.cdc;

import io.millrace.connect.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The settings of a {@link CdcSource} capturing the changes of a PostgreSQL database through
 * logical replication ({@code pgoutput}), immutable. Component names are the setting names a
 * configuration file uses; {@link #validate()} names the setting and the rule of every problem.
 *
 * @param name the source's unique name; keys its position in {@code __source_positions}
 * @param hostname the database host
 * @param port the database port
 * @param database the database captured
 * @param username a user with the REPLICATION attribute (and, for {@code all_tables} publications,
 *     the right to create them)
 * @param password its password (never printed)
 * @param topicPrefix Debezium's {@code topic.prefix}: names the server in events; also {@code
 *     {prefix}} in {@code topicPattern}
 * @param topicPattern the topic of a table's changes, from {@code {prefix}}, {@code {schema}} and
 *     {@code {table}}, e.g. {@code {prefix}.{schema}.{table}}
 * @param topicPartitions partitions of a topic the source creates (a table's topic is created when
 *     its first change arrives; more than one keeps order per primary key only)
 * @param topicCompacted whether a topic the source creates is compacted ({@code cleanup.policy=
 *     compact}); deletes are always followed by a tombstone
 * @param tableIncludeList regular expressions of {@code schema.table} names to capture; empty = all
 * @param tableExcludeList regular expressions of {@code schema.table} names not to capture
 * @param columnExcludeList regular expressions of {@code schema.table.column} names left out of
 *     every event (they never enter the log)
 * @param columnMaskList regular expressions of {@code schema.table.column} names whose (text)
 *     values are replaced by {@code maskLength} asterisks at capture time
 * @param maskLength the number of asterisks of a masked value
 * @param slotName the logical replication slot (created when missing)
 * @param publicationName the publication (created when missing, see {@code publicationAutocreate})
 * @param publicationAutocreate Debezium's {@code publication.autocreate.mode}: {@code all_tables}
 *     (tables created later are captured too), {@code filtered} (the included tables at start) or
 *     {@code disabled}
 * @param snapshotMode whether to read existing rows first
 * @param heartbeatIntervalMs how often the source confirms its position to the slot while no
 *     captured table changes (0 = never), so an idle table does not make the database keep WAL
 * @param lagProbeIntervalMs how often the replication lag in bytes is measured (0 = never)
 * @param debeziumProperties further Debezium connector properties, passed as they are (they win
 *     over what the settings above derive, except the offset store and the connector class)
 */
public record CdcSourceConfig(
    String name,
    String hostname,
    int port,
    String database,
    String username,
    String password,
    String topicPrefix,
    String topicPattern,
    int topicPartitions,
    boolean topicCompacted,
    List<String> tableIncludeList,
    List<String> tableExcludeList,
    List<String> columnExcludeList,
    List<String> columnMaskList,
    int maskLength,
    String slotName,
    String publicationName,
    String publicationAutocreate,
    SnapshotMode snapshotMode,
    long heartbeatIntervalMs,
    long lagProbeIntervalMs,
    Map<String, String> debeziumProperties) {

  public static final String DEFAULT_TOPIC_PATTERN = "{prefix}.{schema}.{table}";

  private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,200}");
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
  private static final Pattern TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{1,100}");
  private static final List<String> AUTOCREATE = List.of("all_tables", "filtered", "disabled");

  public CdcSourceConfig {
    tableIncludeList = List.copyOf(tableIncludeList);
    tableExcludeList = List.copyOf(tableExcludeList);
    columnExcludeList = List.copyOf(columnExcludeList);
    columnMaskList = List.copyOf(columnMaskList);
    debeziumProperties = Map.copyOf(debeziumProperties);
  }

  /** A configuration with the defaults for everything but the connection and names. */
  public static CdcSourceConfig of(
      String name,
      String hostname,
      int port,
      String database,
      String username,
      String password,
      String topicPrefix) {
    return new CdcSourceConfig(
        name,
        hostname,
        port,
        database,
        username,
        password,
        topicPrefix,
        DEFAULT_TOPIC_PATTERN,
        1,
        false,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        8,
        "millrace_" + name.replaceAll("[^a-zA-Z0-9_]", "_").toLowerCase(java.util.Locale.ROOT),
        "millrace_publication",
        "all_tables",
        SnapshotMode.INITIAL,
        10_000,
        10_000,
        Map.of());
  }

  /** Every problem of this configuration; empty when it is valid. */
  public List<ConfigProblem> validate() {
    List<ConfigProblem> problems = new ArrayList<>();
    if (name == null || !LEGAL_NAME.matcher(name).matches()) {
      problems.add(
          new ConfigProblem(
              "name", "must be 1 to 200 of the characters a-z A-Z 0-9 . _ - (got " + name + ")"));
    }
    if (hostname == null || hostname.isBlank()) {
      problems.add(new ConfigProblem("hostname", "must be set"));
    }
    if (port < 1 || port > 65_535) {
      problems.add(new ConfigProblem("port", "must be between 1 and 65535"));
    }
    if (database == null || database.isBlank()) {
      problems.add(new ConfigProblem("database", "must be set"));
    }
    if (username == null || username.isBlank()) {
      problems.add(new ConfigProblem("username", "must be set"));
    }
    if (topicPrefix == null || !TOPIC_PREFIX.matcher(topicPrefix).matches()) {
      problems.add(
          new ConfigProblem("topicPrefix", "must be 1 to 100 of the characters a-z A-Z 0-9 . _ -"));
    }
    if (topicPattern == null || !topicPattern.contains("{table}")) {
      problems.add(
          new ConfigProblem(
              "topicPattern", "must contain {table} (and may contain {prefix} and {schema})"));
    }
    if (topicPartitions < 1 || topicPartitions > 1000) {
      problems.add(new ConfigProblem("topicPartitions", "must be between 1 and 1000"));
    }
    checkPatterns("tableIncludeList", tableIncludeList, problems);
    checkPatterns("tableExcludeList", tableExcludeList, problems);
    checkPatterns("columnExcludeList", columnExcludeList, problems);
    checkPatterns("columnMaskList", columnMaskList, problems);
    if (maskLength < 1 || maskLength > 255) {
      problems.add(new ConfigProblem("maskLength", "must be between 1 and 255"));
    }
    if (slotName == null || !SLOT_NAME.matcher(slotName).matches()) {
      problems.add(
          new ConfigProblem(
              "slotName", "must be 1 to 63 of the characters a-z 0-9 _ (PostgreSQL's rule)"));
    }
    if (publicationName == null || publicationName.isBlank()) {
      problems.add(new ConfigProblem("publicationName", "must be set"));
    }
    if (!AUTOCREATE.contains(publicationAutocreate)) {
      problems.add(new ConfigProblem("publicationAutocreate", "must be one of " + AUTOCREATE));
    }
    if (snapshotMode == null) {
      problems.add(new ConfigProblem("snapshotMode", "must be initial, never or when_needed"));
    }
    if (heartbeatIntervalMs < 0 || heartbeatIntervalMs > 86_400_000L) {
      problems.add(
          new ConfigProblem("heartbeatIntervalMs", "must be between 0 (off) and 86400000"));
    }
    if (lagProbeIntervalMs < 0 || lagProbeIntervalMs > 86_400_000L) {
      problems.add(new ConfigProblem("lagProbeIntervalMs", "must be between 0 (off) and 86400000"));
    }
    for (String key : debeziumProperties.keySet()) {
      if (key.equals("connector.class") || key.startsWith("offset.storage")) {
        problems.add(
            new ConfigProblem(
                "debeziumProperties." + key, "is set by Millrace and cannot be overridden"));
      }
    }
    return problems;
  }

  private static void checkPatterns(
      String setting, List<String> patterns, List<ConfigProblem> out) {
    for (String pattern : patterns) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        out.add(
            new ConfigProblem(
                setting, "'" + pattern + "' is not a regular expression: " + e.getDescription()));
      }
    }
  }

  /**
   * The topic of a table's changes: {@code topicPattern} filled in, every character a topic name
   * may not hold replaced by {@code _}.
   */
  public String topicFor(String schema, String table) {
    return topicPattern
        .replace("{prefix}", topicPrefix)
        .replace("{schema}", schema)
        .replace("{table}", table)
        .replaceAll("[^a-zA-Z0-9._-]", "_");
  }

  @Override
  public String toString() {
    return "CdcSourceConfig[name="
        + name
        + ", hostname="
        + hostname
        + ", port="
        + port
        + ", database="
        + database
        + ", username="
        + username
        + ", password=***, slotName="
        + slotName
        + ", snapshotMode="
        + snapshotMode
        + "]";
  }
}
