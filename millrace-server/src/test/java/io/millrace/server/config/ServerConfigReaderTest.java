package io.millrace.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.http.HttpServerConfig;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.LogOptions;
import io.millrace.log.TopicConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigReaderTest {

  private static final Map<String, String> ENV = Map.of("KAFKA_PORT", "19092", "HOST", "127.0.0.1");

  private static final String FULL =
      """
      data_dir: /var/lib/millrace
      kafka:
        host: 0.0.0.0
        port: 19092
        advertised_host: broker.example.com
        advertised_port: 29092
        auto_create_topics: false
        default_partitions: 3
        max_request_bytes: 2097152
        max_connections: 500
        idle_timeout_ms: 60000
        processor_threads: 2
        group_initial_rebalance_delay_ms: 3000
      http:
        host: 127.0.0.1
        port: 18080
        max_request_bytes: 65536
        max_concurrent_requests: 64
        max_records_request_bytes: 2097152
        max_ingest_bytes_in_flight: 8388608
      log:
        retention_check_interval_ms: 1000
        cleaner_interval_ms: 2000
        file_delete_delay_ms: 0
        cleaner_max_keys: 1000
        offsets_topic_partitions: 4
      topic_defaults:
        retention.ms: 3600000
        cleanup.policy: compact
      """;

  private final ServerConfigReader reader = new ServerConfigReader(ENV::get);

  private ServerConfig read(String yaml) {
    return reader.read("millrace.yaml", new StringReader(yaml), CommandLineOverrides.NONE);
  }

  private String errorOf(String yaml) {
    return errorOf(yaml, CommandLineOverrides.NONE);
  }

  private String errorOf(String yaml, CommandLineOverrides flags) {
    try {
      reader.read("millrace.yaml", new StringReader(yaml), flags);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  @Test
  void shouldBindEverySetting() {
    ServerConfig config = read(FULL);

    assertThat(config.dataDirectory()).isEqualTo(Path.of("/var/lib/millrace"));
    assertThat(config.kafka())
        .isEqualTo(
            new KafkaListenerConfig(
                "0.0.0.0",
                19092,
                "broker.example.com",
                29092,
                2097152,
                500,
                60000,
                2,
                false,
                3,
                3000));
    assertThat(config.http())
        .isEqualTo(new HttpServerConfig("127.0.0.1", 18080, 65536, 64, 2097152, 8388608));
    LogOptions log = config.log();
    assertThat(log.retentionCheckIntervalMs()).isEqualTo(1000);
    assertThat(log.cleanerIntervalMs()).isEqualTo(2000);
    assertThat(log.fileDeleteDelayMs()).isZero();
    assertThat(log.cleanerMaxKeys()).isEqualTo(1000);
    assertThat(log.offsetsTopicPartitions()).isEqualTo(4);
    assertThat(log.topicDefaults().retentionMs()).isEqualTo(3_600_000);
    assertThat(log.topicDefaults().cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
    assertThat(log.topicDefaults().segmentBytes()).isEqualTo(TopicConfig.DEFAULTS.segmentBytes());
  }

  /** The annotated example in docs/configuration.md is valid and shows the true defaults. */
  @Test
  void shouldAcceptTheDocumentedExampleWhichShowsTheDefaults() throws Exception {
    String page = Files.readString(Path.of("..", "docs", "configuration.md"));
    int start = page.indexOf("```yaml\n") + "```yaml\n".length();
    String example = page.substring(start, page.indexOf("```", start));

    ServerConfig config = read(example);

    ServerConfig defaults = reader.read(Optional.empty(), CommandLineOverrides.NONE);
    assertThat(config).isEqualTo(defaults);
  }

  @Test
  void whenNoFile_thenDefaults() {
    ServerConfig config = reader.read(Optional.empty(), CommandLineOverrides.NONE);

    assertThat(config.dataDirectory()).isEqualTo(Path.of("data").toAbsolutePath());
    assertThat(config.kafka()).isEqualTo(KafkaListenerConfig.defaults());
    assertThat(config.http()).isEqualTo(HttpServerConfig.defaults());
    assertThat(config.log().topicDefaults()).isEqualTo(TopicConfig.DEFAULTS);
  }

  @Test
  void whenFileIsEmptyOrOnlyComments_thenDefaults() {
    assertThat(read("").kafka()).isEqualTo(KafkaListenerConfig.defaults());
    assertThat(read("# nothing yet\n").http()).isEqualTo(HttpServerConfig.defaults());
    assertThat(read("kafka:\n").kafka()).isEqualTo(KafkaListenerConfig.defaults());
  }

  @Test
  void shouldLetFlagsOverrideTheFile() {
    ServerConfig config =
        reader.read(
            "millrace.yaml",
            new StringReader(FULL),
            new CommandLineOverrides(Path.of("/tmp/other"), 9999, 0));

    assertThat(config.dataDirectory()).isEqualTo(Path.of("/tmp/other"));
    assertThat(config.kafka().port()).isEqualTo(9999);
    assertThat(config.kafka().maxConnections()).isEqualTo(500);
    assertThat(config.http().port()).isZero();
  }

  @Test
  void shouldAdvertiseTheBoundHostUnlessItIsAWildcard() {
    assertThat(read("kafka:\n  host: 10.0.0.5\n").kafka().advertisedHost()).isEqualTo("10.0.0.5");
    assertThat(read("kafka:\n  host: 0.0.0.0\n").kafka().advertisedHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void shouldSubstituteEnvironmentVariables() {
    ServerConfig config =
        read(
            """
            kafka:
              host: ${HOST}
              port: ${KAFKA_PORT}
            http:
              port: ${HTTP_PORT:-18081}
            data_dir: /srv/$${literal}
            """);

    assertThat(config.kafka().bindHost()).isEqualTo("127.0.0.1");
    assertThat(config.kafka().port()).isEqualTo(19092);
    assertThat(config.http().port()).isEqualTo(18081);
    assertThat(config.dataDirectory()).isEqualTo(Path.of("/srv/${literal}"));
  }

  @Test
  void shouldReadAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("millrace.yaml");
    Files.writeString(file, "http:\n  port: 18080\n");

    assertThat(reader.read(Optional.of(file), CommandLineOverrides.NONE).http().port())
        .isEqualTo(18080);
  }

  // ------------------------------------------------------------------------ golden error messages

  @Test
  void shouldRejectAMissingFile(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> reader.read(Optional.of(missing), CommandLineOverrides.NONE))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--config: cannot read " + missing + ": no such file");
  }

  @Test
  void shouldRejectAnUnknownKeyWithAHint() {
    assertThat(errorOf("kafka:\n  prot: 9093\n"))
        .isEqualTo("millrace.yaml:2:3: kafka.prot: unknown setting in kafka; did you mean port?");
  }

  @Test
  void shouldRejectAnUnknownKeyWithoutACloseMatchByListingTheKnownOnes() {
    assertThat(errorOf("http:\n  tls: true\n"))
        .isEqualTo(
            "millrace.yaml:2:3: http.tls: unknown setting in http (known: port, host,"
                + " max_request_bytes, max_concurrent_requests, max_records_request_bytes,"
                + " max_ingest_bytes_in_flight)");
  }

  @Test
  void shouldRejectAnIngestBudgetSmallerThanTwoRecordsRequests() {
    assertThat(
            errorOf(
                "http:\n  max_records_request_bytes: 1048576\n"
                    + "  max_ingest_bytes_in_flight: 1048576\n"))
        .isEqualTo(
            "millrace.yaml:3:3: http.max_ingest_bytes_in_flight: must be at least twice"
                + " max_records_request_bytes (2097152)");
  }

  @Test
  void shouldRejectAnUnknownSectionWithAHint() {
    assertThat(errorOf("kafak:\n  port: 9093\n"))
        .isEqualTo("millrace.yaml:1:1: kafak: unknown setting; did you mean kafka?");
  }

  @Test
  void shouldRejectSectionsOfLaterVersions() {
    assertThat(errorOf("pipelines:\n  - name: orders\n"))
        .isEqualTo(
            "millrace.yaml:1:1: pipelines: is not supported by this version of Millrace yet");
  }

  @Test
  void shouldRejectAWrongType() {
    assertThat(errorOf("kafka:\n  port: abc\n"))
        .isEqualTo("millrace.yaml:2:9: kafka.port: must be an integer, was \"abc\"");
    assertThat(errorOf("kafka:\n  port: \"9093\"\n"))
        .isEqualTo(
            "millrace.yaml:2:9: kafka.port: must be an integer, was \"9093\" (quoted; write it"
                + " without quotes)");
    assertThat(errorOf("kafka:\n  auto_create_topics: yes please\n"))
        .isEqualTo(
            "millrace.yaml:2:23: kafka.auto_create_topics: must be true or false, was \"yes"
                + " please\"");
    assertThat(errorOf("kafka: 9092\n"))
        .isEqualTo("millrace.yaml:1:8: kafka: must be a mapping of settings, was 9092");
    assertThat(errorOf("http:\n  host:\n"))
        .isEqualTo("millrace.yaml:2:8: http.host: must be a non-empty string, was empty");
  }

  @Test
  void shouldRejectAValueOutOfRange() {
    assertThat(errorOf("kafka:\n  port: 70000\n"))
        .isEqualTo("millrace.yaml:2:9: kafka.port: must be between 0 and 65535, was 70000");
    assertThat(errorOf("log:\n  cleaner_interval_ms: 0\n"))
        .isEqualTo("millrace.yaml:2:24: log.cleaner_interval_ms: must be >= 1, was 0");
    assertThat(errorOf("http:\n  max_request_bytes: 99999999999\n"))
        .isEqualTo("millrace.yaml:2:22: http.max_request_bytes: must be >= 1024, was 99999999999");
  }

  @Test
  void shouldRejectABadFlag() {
    assertThat(errorOf("", new CommandLineOverrides(null, null, 70000)))
        .isEqualTo("--http-port: must be between 0 and 65535, was 70000");
  }

  @Test
  void shouldRejectTheSamePortForBothListeners() {
    assertThat(errorOf("kafka:\n  port: 8080\n"))
        .isEqualTo(
            "millrace.yaml:2:9: http.port: must differ from kafka.port (millrace.yaml:2:9): both"
                + " listeners would bind 127.0.0.1:8080");
    assertThat(errorOf("kafka:\n  port: 9000\nhttp:\n  port: 9000\n"))
        .isEqualTo(
            "millrace.yaml:4:9: http.port: must differ from kafka.port (millrace.yaml:2:9): both"
                + " listeners would bind 127.0.0.1:9000");
    assertThat(errorOf("", new CommandLineOverrides(null, null, 9092)))
        .isEqualTo(
            "--http-port: http.port: must differ from kafka.port (the default): both listeners"
                + " would bind 127.0.0.1:9092");
  }

  @Test
  void shouldAllowTheSamePortOnDifferentHosts() {
    assertThat(read("kafka:\n  host: 127.0.0.2\n  port: 8080\n").kafka().port()).isEqualTo(8080);
  }

  @Test
  void shouldRejectBadTopicDefaultsWithTheLogsRule() {
    assertThat(errorOf("topic_defaults:\n  retention.ms: -5\n"))
        .isEqualTo("millrace.yaml:2:17: topic_defaults.retention.ms: must be -1 or >= 0, was -5");
    assertThat(errorOf("topic_defaults:\n  retention.ms: forever\n"))
        .isEqualTo(
            "millrace.yaml:2:17: topic_defaults.retention.ms: must be an integer, was \"forever\"");
    assertThat(errorOf("topic_defaults:\n  cleanup.policy: sometimes\n"))
        .startsWith("millrace.yaml:2:19: topic_defaults.cleanup.policy: ");
    assertThat(errorOf("topic_defaults:\n  retention_ms: 5\n"))
        .isEqualTo(
            "millrace.yaml:2:3: topic_defaults.retention_ms: unknown topic setting; did you mean"
                + " retention.ms?");
  }

  @Test
  void shouldRejectAnUnsetEnvironmentVariable() {
    assertThat(errorOf("kafka:\n  host: ${NOPE}\n"))
        .isEqualTo(
            "millrace.yaml:2:9: kafka.host: environment variable NOPE is not set (write"
                + " ${NOPE:-default} for a default)");
  }

  @Test
  void shouldRejectADuplicateKey() {
    assertThat(errorOf("http:\n  port: 1\n  port: 2\n"))
        .isEqualTo("millrace.yaml:3:3: http.port: set twice (first at line 2)");
  }

  @Test
  void shouldRejectASyntaxErrorWithItsPosition() {
    assertThat(errorOf("kafka:\n  port: [9092\n"))
        .isEqualTo(
            "millrace.yaml:2:14: YAML syntax error: while parsing a flow sequence, expected ',' or"
                + " ']', but got <stream end>");
  }

  @Test
  void shouldRejectARootThatIsNotAMapping() {
    assertThat(errorOf("- kafka\n"))
        .isEqualTo(
            "millrace.yaml:1:1: the file must be a mapping of settings (data_dir:, kafka:, http:,"
                + " log:, topic_defaults:, sources:), was a list");
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    ConfigException e =
        (ConfigException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> read("http:\n  port: x\n  host: ${NOPE}\nkafka:\n  port: -1\n  prot: 1\n"));

    assertThat(e.problems())
        .as("in file order")
        .extracting(ConfigProblem::setting)
        .containsExactly("http.port", "http.host", "kafka.port", "kafka.prot");
  }
}
