package io.millrace.server.config;

import io.millrace.connect.cdc.CdcSourceConfig;
import io.millrace.connect.cdc.SnapshotMode;
import io.millrace.server.config.ConfigNode.Mapping;
import io.millrace.server.config.ConfigNode.Scalar;
import io.millrace.server.config.ConfigNode.ScalarKind;
import io.millrace.server.config.ConfigNode.Sequence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Binds one {@code type: cdc} source: the components of {@link CdcSourceConfig} in snake_case
 * ({@code table_include_list}), the pattern lists as YAML sequences (or one string), {@code
 * snapshot_mode} as {@code initial}, {@code never} or {@code when_needed}, and {@code debezium:} a
 * mapping of further Debezium connector properties. The rules stay in {@link
 * CdcSourceConfig#validate()}; each problem is reported where its setting is written (or at the
 * source's name when absent). Stateless.
 */
final class CdcSourceReader {

  private CdcSourceReader() {}

  static Optional<SourceDefinition> read(
      String name, SectionReader s, ConfigLocation nameLocation, List<ConfigProblem> problems) {
    CdcSourceConfig defaults = CdcSourceConfig.of(name, null, 5432, null, null, null, null);
    CdcSourceConfig config =
        new CdcSourceConfig(
            name,
            s.stringValue("hostname", null),
            s.intValue("port", defaults.port(), 1, 65_535),
            s.stringValue("database", null),
            s.stringValue("username", null),
            s.textValue("password", ""),
            s.stringValue("topic_prefix", name),
            s.stringValue("topic_pattern", defaults.topicPattern()),
            s.intValue("topic_partitions", defaults.topicPartitions(), 1, 1000),
            s.booleanValue("topic_compacted", defaults.topicCompacted()),
            strings(s, "table_include_list"),
            strings(s, "table_exclude_list"),
            strings(s, "column_exclude_list"),
            strings(s, "column_mask_list"),
            s.intValue("mask_length", defaults.maskLength(), 1, 255),
            s.stringValue("slot_name", defaults.slotName()),
            s.stringValue("publication_name", defaults.publicationName()),
            s.stringValue("publication_autocreate", defaults.publicationAutocreate()),
            snapshotMode(s),
            s.longValue("heartbeat_interval_ms", defaults.heartbeatIntervalMs(), 0, 86_400_000L),
            s.longValue("lag_probe_interval_ms", defaults.lagProbeIntervalMs(), 0, 86_400_000L),
            debezium(s));
    s.finish();
    for (io.millrace.connect.ConfigProblem problem : config.validate()) {
      String key = problem.snakeCaseSetting();
      String yamlKey = key.startsWith("debezium_properties.") ? "debezium" : key;
      ConfigLocation at = s.locationOf(yamlKey).orElse(nameLocation);
      problems.add(new ConfigProblem(at, s.settingName(key), problem.rule()));
    }
    return Optional.of(new SourceDefinition.Cdc(config));
  }

  private static SnapshotMode snapshotMode(SectionReader s) {
    String text = s.stringValue("snapshot_mode", "initial");
    try {
      return SnapshotMode.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      s.problem("snapshot_mode", "must be initial, never or when_needed, was \"" + text + "\"");
      return SnapshotMode.INITIAL;
    }
  }

  /** A sequence of strings, or one string; empty when absent. */
  private static List<String> strings(SectionReader s, String key) {
    Optional<ConfigNode> node = s.node(key);
    if (node.isEmpty() || (node.get() instanceof Scalar n && n.kind() == ScalarKind.NULL)) {
      return List.of();
    }
    List<String> values = new ArrayList<>();
    if (node.get() instanceof Scalar scalar) {
      values.add(scalar.text());
    } else if (node.get() instanceof Sequence sequence) {
      for (ConfigNode item : sequence.items()) {
        if (item instanceof Scalar scalar && scalar.kind() != ScalarKind.NULL) {
          values.add(scalar.text());
        } else {
          s.problem(key, "must be a list of strings, has " + ConfigNode.describe(item));
        }
      }
    } else {
      s.problem(key, "must be a list of strings, was " + ConfigNode.describe(node.get()));
    }
    return values;
  }

  private static Map<String, String> debezium(SectionReader s) {
    Optional<ConfigNode> node = s.node("debezium");
    if (node.isEmpty() || (node.get() instanceof Scalar n && n.kind() == ScalarKind.NULL)) {
      return Map.of();
    }
    if (!(node.get() instanceof Mapping mapping)) {
      s.problem(
          "debezium",
          "must be a mapping of Debezium connector properties, was "
              + ConfigNode.describe(node.get()));
      return Map.of();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigNode> entry : mapping.entries().entrySet()) {
      if (entry.getValue() instanceof Scalar scalar) {
        values.put(entry.getKey(), scalar.text());
      } else {
        s.problem("debezium", entry.getKey() + " must be a string, number or boolean");
      }
    }
    return values;
  }
}
