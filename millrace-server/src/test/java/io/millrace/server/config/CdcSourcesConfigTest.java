package io.millrace.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.connect.cdc.CdcSourceConfig;
import io.millrace.connect.cdc.SnapshotMode;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code type: cdc} sources in millrace.yaml: every setting bound, and the errors. */
class CdcSourcesConfigTest {

  private final ServerConfigReader reader =
      new ServerConfigReader(Map.of("CDC_PASSWORD", "pw")::get);

  private List<SourceDefinition> sources(String yaml) {
    return reader
        .read("millrace.yaml", new StringReader(yaml), CommandLineOverrides.NONE)
        .sources();
  }

  private String errorOf(String yaml) {
    try {
      reader.read("millrace.yaml", new StringReader(yaml), CommandLineOverrides.NONE);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  /** The example of docs/cdc.md binds every setting. */
  @Test
  void shouldBindEverySettingOfTheDocumentedExample() throws Exception {
    String page = Files.readString(Path.of("..", "docs", "cdc.md"));
    int start = page.indexOf("```yaml\nsources:\n") + "```yaml\n".length();
    String example = page.substring(start, page.indexOf("```", start));

    List<SourceDefinition> sources = sources(example);

    assertThat(sources).hasSize(1);
    CdcSourceConfig config = ((SourceDefinition.Cdc) sources.get(0)).config();
    assertThat(config)
        .isEqualTo(
            new CdcSourceConfig(
                "shop",
                "db.example.com",
                5432,
                "shop",
                "millrace_cdc",
                "pw",
                "shop",
                "{prefix}.{schema}.{table}",
                1,
                false,
                List.of("public\\.orders", "public\\.customers", "public\\.order_items_.*"),
                List.of(),
                List.of("public\\.customers\\.password_hash"),
                List.of("public\\.customers\\.card_number"),
                8,
                "millrace_shop",
                "millrace_publication",
                "all_tables",
                SnapshotMode.INITIAL,
                10_000,
                10_000,
                Map.of("slot.drop.on.stop", "false")));
  }

  @Test
  void shouldFillDefaultsForAMinimalSource() {
    CdcSourceConfig config =
        ((SourceDefinition.Cdc)
                sources(
                        """
                        sources:
                          inventory:
                            type: cdc
                            hostname: 127.0.0.1
                            database: stock
                            username: cdc
                            snapshot_mode: when_needed
                            table_include_list: public\\.items
                        """)
                    .get(0))
            .config();
    assertThat(config.port()).isEqualTo(5432);
    assertThat(config.password()).isEmpty();
    assertThat(config.topicPrefix()).isEqualTo("inventory");
    assertThat(config.slotName()).isEqualTo("millrace_inventory");
    assertThat(config.snapshotMode()).isEqualTo(SnapshotMode.WHEN_NEEDED);
    assertThat(config.tableIncludeList()).containsExactly("public\\.items");
    assertThat(config.topicFor("public", "items")).isEqualTo("inventory.public.items");
  }

  @Test
  void shouldRejectBadSettingsAtTheirPlace() {
    String head =
        """
        sources:
          shop:
            type: cdc
            hostname: h
            database: d
            username: u
        """;
    assertThat(errorOf(head + "    snapshot_mode: sometimes\n"))
        .isEqualTo(
            "millrace.yaml:7:20: sources.shop.snapshot_mode: must be initial, never or"
                + " when_needed, was \"sometimes\"");
    assertThat(errorOf(head + "    slot_name: Bad-Slot\n"))
        .isEqualTo(
            "millrace.yaml:7:16: sources.shop.slot_name: must be 1 to 63 of the characters a-z"
                + " 0-9 _ (PostgreSQL's rule)");
    assertThat(errorOf(head + "    table_include_list: [\"public\\\\.(\"]\n"))
        .startsWith(
            "millrace.yaml:7:25: sources.shop.table_include_list: 'public\\.(' is not a regular"
                + " expression");
    assertThat(errorOf(head + "    topic_pattern: \"{prefix}.all\"\n"))
        .isEqualTo(
            "millrace.yaml:7:20: sources.shop.topic_pattern: must contain {table} (and may"
                + " contain {prefix} and {schema})");
    assertThat(errorOf(head + "    debezium: {connector.class: x}\n"))
        .isEqualTo(
            "millrace.yaml:7:15: sources.shop.debezium_properties.connector.class: is set by"
                + " Millrace and cannot be overridden");
    assertThat(errorOf("sources:\n  shop:\n    type: cdc\n    hostname: h\n    username: u\n"))
        .isEqualTo("millrace.yaml:2:3: sources.shop.database: must be set");
    assertThat(errorOf(head + "    slot_nmae: x\n"))
        .isEqualTo(
            "millrace.yaml:7:5: sources.shop.slot_nmae: unknown setting in sources.shop; did you"
                + " mean slot_name?");
  }
}
