package io.millrace.server.config;

import io.millrace.common.DidYouMean;
import io.millrace.http.HttpServerConfig;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.LogOptions;
import io.millrace.log.TopicConfig;
import io.millrace.server.config.ConfigNode.Mapping;
import io.millrace.server.config.ConfigNode.Scalar;
import io.millrace.server.config.ConfigNode.ScalarKind;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Binds {@code millrace.yaml} and the command-line flags to a {@link ServerConfig}, checking every
 * setting once, up front. All problems are collected and thrown together as a {@link
 * ConfigException}, each naming {@code file:line:column}, the setting and the rule. Stateless
 * between calls; not thread-safe during one.
 *
 * <p>The file's top level holds sections; unknown ones are errors (with a "did you mean" hint),
 * never silently ignored, so that a typo cannot turn a setting off. Sections planned for later
 * versions ({@code pipelines}, {@code sinks}, {@code views}) are refused with a message saying so.
 */
public final class ServerConfigReader {

  /** Top-level sections that later versions will read. */
  static final List<String> FUTURE_SECTIONS = List.of("pipelines", "sinks", "views");

  private static final int MAX_PORT = 65535;

  private final Function<String, String> environment;

  /**
   * @param environment looks up {@code ${VAR}} references ({@code System::getenv} in production)
   */
  public ServerConfigReader(Function<String, String> environment) {
    this.environment = environment;
  }

  /** Reads the file (if any) and applies the flags. */
  public ServerConfig read(Optional<Path> file, CommandLineOverrides flags) {
    if (file.isEmpty()) {
      // No YAML parser needed (nor its class loading, at startup): bind an empty file.
      List<ConfigProblem> problems = new ArrayList<>();
      Mapping empty = new Mapping(Map.of(), Map.of(), new ConfigLocation("(defaults)", 1, 1));
      ServerConfig config = bind(new SectionReader("", empty, problems), flags, problems);
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
      return config;
    }
    String text;
    try {
      text = Files.readString(file.get(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          List.of(
              new ConfigProblem(
                  ConfigLocation.flag("--config"),
                  "",
                  "cannot read " + file.get() + ": " + describe(e))));
    }
    return read(file.get().toString(), new StringReader(text), flags);
  }

  /** Reads YAML text; {@code source} names it in error messages. */
  public ServerConfig read(String source, Reader text, CommandLineOverrides flags) {
    List<ConfigProblem> problems = new ArrayList<>();
    ConfigNode root =
        new YamlTreeReader(source, new EnvironmentSubstitution(environment), problems).read(text);
    if (root == null) {
      throw new ConfigException(problems);
    }
    if (!(root instanceof Mapping mapping)) {
      problems.add(
          new ConfigProblem(
              root.location(),
              "",
              "the file must be a mapping of settings (data_dir:, kafka:, http:, log:,"
                  + " topic_defaults:, sources:), was "
                  + ConfigNode.describe(root)));
      throw new ConfigException(problems);
    }
    ServerConfig config = bind(new SectionReader("", mapping, problems), flags, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(inFileOrder(problems));
    }
    return config;
  }

  /** Flags first, then by line and column, as a compiler lists errors. */
  private static List<ConfigProblem> inFileOrder(List<ConfigProblem> problems) {
    return problems.stream()
        .sorted(
            java.util.Comparator.comparing((ConfigProblem p) -> !p.location().isFlag())
                .thenComparingInt(p -> p.location().line())
                .thenComparingInt(p -> p.location().column()))
        .toList();
  }

  private static ServerConfig bind(
      SectionReader root, CommandLineOverrides flags, List<ConfigProblem> problems) {
    String dataDirectory = root.stringValue("data_dir", "data");
    Path dataPath =
        (flags.dataDirectory() != null ? flags.dataDirectory() : Path.of(dataDirectory))
            .toAbsolutePath();
    SectionReader kafkaSection = root.section("kafka");
    PortSetting kafkaPort =
        port(
            kafkaSection,
            KafkaListenerConfig.defaults().port(),
            flags.kafkaPort(),
            "--kafka-port",
            problems);
    KafkaListenerConfig kafka = readKafka(kafkaSection, kafkaPort.value());
    SectionReader httpSection = root.section("http");
    PortSetting httpPort =
        port(
            httpSection,
            HttpServerConfig.defaults().port(),
            flags.httpPort(),
            "--http-port",
            problems);
    HttpServerConfig http = readHttp(httpSection, httpPort.value());
    LogOptions log = readLog(root.section("log"), dataPath);
    TopicConfig topicDefaults = readTopicDefaults(root, problems);
    List<SourceDefinition> sources = SourcesReader.read(root, problems);
    for (String future : FUTURE_SECTIONS) {
      if (root.node(future).isPresent()) {
        root.keyProblem(future, "is not supported by this version of Millrace yet");
      }
    }
    root.finish();
    checkPortsDiffer(kafka, kafkaPort, http, httpPort, problems);
    return new ServerConfig(log.withTopicDefaults(topicDefaults), kafka, http, sources);
  }

  /** A port and where it was set (empty for the default). */
  private record PortSetting(int value, Optional<ConfigLocation> location) {}

  private static PortSetting port(
      SectionReader section,
      int defaultPort,
      Integer flag,
      String flagName,
      List<ConfigProblem> problems) {
    int fromFile = section.intValue("port", defaultPort, 0, MAX_PORT);
    if (flag == null) {
      return new PortSetting(fromFile, section.locationOf("port"));
    }
    ConfigLocation at = ConfigLocation.flag(flagName);
    if (flag < 0 || flag > MAX_PORT) {
      problems.add(
          new ConfigProblem(at, "", "must be between 0 and " + MAX_PORT + ", was " + flag));
      return new PortSetting(defaultPort, Optional.of(at));
    }
    return new PortSetting(flag, Optional.of(at));
  }

  private static KafkaListenerConfig readKafka(SectionReader kafka, int port) {
    KafkaListenerConfig defaults = KafkaListenerConfig.defaults();
    String host = kafka.stringValue("host", defaults.bindHost());
    String advertisedDefault = isWildcard(host) ? defaults.advertisedHost() : host;
    KafkaListenerConfig config =
        new KafkaListenerConfig(
            host,
            port,
            kafka.stringValue("advertised_host", advertisedDefault),
            kafka.intValue("advertised_port", defaults.advertisedPort(), -1, MAX_PORT),
            kafka.intValue(
                "max_request_bytes", defaults.maxRequestBytes(), 1024, Integer.MAX_VALUE),
            kafka.intValue("max_connections", defaults.maxConnections(), 1, Integer.MAX_VALUE),
            kafka.longValue("idle_timeout_ms", defaults.idleTimeoutMs(), 1, Long.MAX_VALUE),
            kafka.intValue("processor_threads", defaults.processorThreads(), 1, 1024),
            kafka.booleanValue("auto_create_topics", defaults.autoCreateTopics()),
            kafka.intValue("default_partitions", defaults.defaultPartitions(), 1, 100_000),
            kafka.longValue(
                "group_initial_rebalance_delay_ms",
                defaults.groupInitialRebalanceDelayMs(),
                0,
                Long.MAX_VALUE));
    kafka.finish();
    return config;
  }

  private static HttpServerConfig readHttp(SectionReader http, int port) {
    HttpServerConfig defaults = HttpServerConfig.defaults();
    String host = http.stringValue("host", defaults.bindHost());
    int maxRequestBytes =
        http.intValue(
            "max_request_bytes",
            defaults.maxRequestBytes(),
            HttpServerConfig.MIN_REQUEST_BYTES,
            Integer.MAX_VALUE);
    int maxConcurrentRequests =
        http.intValue("max_concurrent_requests", defaults.maxConcurrentRequests(), 1, 1_000_000);
    int maxRecordsRequestBytes =
        http.intValue(
            "max_records_request_bytes",
            defaults.maxRecordsRequestBytes(),
            HttpServerConfig.MIN_REQUEST_BYTES,
            Integer.MAX_VALUE);
    long maxIngestBytesInFlight =
        http.longValue(
            "max_ingest_bytes_in_flight",
            defaults.maxIngestBytesInFlight(),
            2L * HttpServerConfig.MIN_REQUEST_BYTES,
            Long.MAX_VALUE);
    if (maxIngestBytesInFlight < 2L * maxRecordsRequestBytes) {
      http.keyProblem(
          "max_ingest_bytes_in_flight",
          "must be at least twice max_records_request_bytes (" + 2L * maxRecordsRequestBytes + ")");
      maxIngestBytesInFlight = 2L * maxRecordsRequestBytes;
    }
    HttpServerConfig config =
        new HttpServerConfig(
            host,
            port,
            maxRequestBytes,
            maxConcurrentRequests,
            maxRecordsRequestBytes,
            maxIngestBytesInFlight);
    http.finish();
    return config;
  }

  private static LogOptions readLog(SectionReader log, Path dataDirectory) {
    LogOptions defaults = LogOptions.defaults(dataDirectory);
    LogOptions options =
        new LogOptions(
            dataDirectory,
            defaults.clock(),
            defaults.fileIo(),
            defaults.topicDefaults(),
            log.longValue(
                "retention_check_interval_ms",
                defaults.retentionCheckIntervalMs(),
                1,
                Long.MAX_VALUE),
            log.longValue("cleaner_interval_ms", defaults.cleanerIntervalMs(), 1, Long.MAX_VALUE),
            log.longValue("file_delete_delay_ms", defaults.fileDeleteDelayMs(), 0, Long.MAX_VALUE),
            log.intValue("cleaner_max_keys", defaults.cleanerMaxKeys(), 1, Integer.MAX_VALUE),
            log.intValue(
                "offsets_topic_partitions", defaults.offsetsTopicPartitions(), 1, 100_000));
    log.finish();
    return options;
  }

  /**
   * {@code topic_defaults:} takes Kafka's topic setting names, checked one by one by the log's own
   * rules so that each problem points at its line.
   */
  private static TopicConfig readTopicDefaults(SectionReader root, List<ConfigProblem> problems) {
    Optional<ConfigNode> node = root.node("topic_defaults");
    if (node.isEmpty() || (node.get() instanceof Scalar s && s.kind() == ScalarKind.NULL)) {
      return TopicConfig.DEFAULTS;
    }
    if (!(node.get() instanceof Mapping mapping)) {
      root.problem(
          "topic_defaults",
          "must be a mapping of topic settings, was " + ConfigNode.describe(node.get()));
      return TopicConfig.DEFAULTS;
    }
    Map<String, String> settings = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigNode> entry : mapping.entries().entrySet()) {
      String name = entry.getKey();
      String setting = "topic_defaults." + name;
      if (!TopicConfig.NAMES.contains(name)) {
        String hint =
            DidYouMean.closest(name, TopicConfig.NAMES)
                .map(match -> "; did you mean " + match + "?")
                .orElse(" (topic settings use Kafka's names, for example retention.ms)");
        problems.add(
            new ConfigProblem(
                mapping.keyLocations().get(name), setting, "unknown topic setting" + hint));
        continue;
      }
      if (!(entry.getValue() instanceof Scalar value) || value.kind() == ScalarKind.NULL) {
        problems.add(
            new ConfigProblem(
                entry.getValue().location(),
                setting,
                "must be a value, was " + ConfigNode.describe(entry.getValue())));
        continue;
      }
      try {
        TopicConfig.DEFAULTS.with(Map.of(name, value.text()), TopicConfig.DEFAULTS);
        settings.put(name, value.text());
      } catch (InvalidRequestException e) {
        problems.add(
            new ConfigProblem(
                value.location(),
                setting,
                ruleOf(e.getMessage(), name) + ", was " + ConfigNode.describe(value)));
      }
    }
    try {
      return TopicConfig.DEFAULTS.with(settings, TopicConfig.DEFAULTS);
    } catch (InvalidRequestException e) {
      root.problem("topic_defaults", e.getMessage());
      return TopicConfig.DEFAULTS;
    }
  }

  /** The log says "invalid retention.ms: must be ..."; the location already names the setting. */
  private static String ruleOf(String message, String name) {
    String prefix = "invalid " + name + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  private static void checkPortsDiffer(
      KafkaListenerConfig kafka,
      PortSetting kafkaPort,
      HttpServerConfig http,
      PortSetting httpPort,
      List<ConfigProblem> problems) {
    boolean hostsOverlap =
        kafka.bindHost().equals(http.bindHost())
            || isWildcard(kafka.bindHost())
            || isWildcard(http.bindHost());
    if (kafka.port() == 0 || kafka.port() != http.port() || !hostsOverlap) {
      return;
    }
    String kafkaWhere = kafkaPort.location().map(l -> " (" + l + ")").orElse(" (the default)");
    ConfigLocation at =
        httpPort.location().or(kafkaPort::location).orElse(ConfigLocation.flag("--http-port"));
    problems.add(
        new ConfigProblem(
            at,
            "http.port",
            "must differ from kafka.port"
                + kafkaWhere
                + ": both listeners would bind "
                + http.bindHost()
                + ":"
                + http.port()));
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private static String describe(IOException e) {
    return e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString();
  }
}
