package io.millrace.server.config;

import io.millrace.common.RetryPolicy;
import io.millrace.connect.http.HttpAuth;
import io.millrace.connect.http.HttpPollingSourceConfig;
import io.millrace.connect.http.Pagination;
import io.millrace.connect.jdbc.JdbcPollingSourceConfig;
import io.millrace.server.config.ConfigNode.Mapping;
import io.millrace.server.config.ConfigNode.Scalar;
import io.millrace.server.config.ConfigNode.ScalarKind;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds {@code sources:}: a mapping from each source's name to its settings, which are the
 * components of its config record ({@link HttpPollingSourceConfig}, {@link
 * JdbcPollingSourceConfig}) in snake_case. A mapping (rather than a list) makes the name the key,
 * so a duplicate name is a duplicate key, refused by the YAML reader with both lines.
 *
 * <p>This class only reads values and their types; the rules stay in one place, the records' {@code
 * validate()}. Each of their problems names a setting ({@code retry.maxAttempts}), which is mapped
 * back to where the value is written through the record of {@link Places}. Stateless; not
 * thread-safe during one call.
 */
final class SourcesReader {

  static final List<String> TYPES = List.of("http", "jdbc", "cdc");
  static final int DEFAULT_JDBC_BATCH_SIZE = 1000;
  static final long DEFAULT_JDBC_INTERVAL_MS = 10_000;
  static final long DEFAULT_JDBC_QUERY_TIMEOUT_MS = 30_000;

  private static final Pattern CAMEL_WORD = Pattern.compile("\\b[a-z]+(?:[A-Z][a-z0-9]*)+\\b");

  private final List<ConfigProblem> problems;

  private SourcesReader(List<ConfigProblem> problems) {
    this.problems = problems;
  }

  /** The sources of the file, in file order; empty if there is no {@code sources:} section. */
  static List<SourceDefinition> read(SectionReader root, List<ConfigProblem> problems) {
    Optional<ConfigNode> node = root.node("sources");
    if (node.isEmpty() || (node.get() instanceof Scalar s && s.kind() == ScalarKind.NULL)) {
      return List.of();
    }
    if (!(node.get() instanceof Mapping sources)) {
      root.problem(
          "sources",
          "must be a mapping from source name to its settings (orders: {type: http, ...}), was "
              + ConfigNode.describe(node.get()));
      return List.of();
    }
    SourcesReader reader = new SourcesReader(problems);
    List<SourceDefinition> definitions = new ArrayList<>();
    for (Map.Entry<String, ConfigNode> entry : sources.entries().entrySet()) {
      String name = entry.getKey();
      String path = "sources." + name;
      ConfigLocation nameLocation = sources.keyLocations().get(name);
      if (!(entry.getValue() instanceof Mapping settings)) {
        problems.add(
            new ConfigProblem(
                entry.getValue().location(),
                path,
                "must be a mapping of the source's settings (type: http, jdbc or cdc, ...), was "
                    + ConfigNode.describe(entry.getValue())));
        continue;
      }
      SectionReader section = new SectionReader(path, settings, problems);
      reader.readSource(name, section, new Places(path, nameLocation)).ifPresent(definitions::add);
    }
    return definitions;
  }

  private Optional<SourceDefinition> readSource(String name, SectionReader s, Places places) {
    Optional<ConfigNode> typeNode = s.node("type");
    if (typeNode.isEmpty()) {
      problems.add(
          new ConfigProblem(
              places.nameLocation, places.path + ".type", "must be set: http, jdbc or cdc"));
      return Optional.empty();
    }
    String type = s.stringValue("type", "");
    if (!TYPES.contains(type)) {
      if (!type.isEmpty()) {
        s.problem("type", "must be http, jdbc or cdc, was \"" + type + "\"");
      }
      return Optional.empty(); // other keys depend on the type: reporting them would mislead
    }
    if (type.equals("cdc")) {
      return CdcSourceReader.read(name, s, places.nameLocation, problems);
    }
    SourceDefinition definition =
        type.equals("http") ? readHttp(name, s, places) : readJdbc(name, s, places);
    s.finish();
    List<io.millrace.connect.ConfigProblem> found =
        switch (definition) {
          case SourceDefinition.Http http -> http.config().validate();
          case SourceDefinition.Jdbc jdbc -> jdbc.config().validate();
          case SourceDefinition.Cdc cdc -> cdc.config().validate();
        };
    found.forEach(problem -> report(problem, places));
    return Optional.of(definition);
  }

  private SourceDefinition readHttp(String name, SectionReader s, Places places) {
    HttpPollingSourceConfig defaults = HttpPollingSourceConfig.of(name, null, null, null);
    return new SourceDefinition.Http(
        new HttpPollingSourceConfig(
            name,
            places.string(s, "topic", "topic", null),
            url(s, places),
            places.longValue(s, "interval_ms", "interval_ms", defaults.intervalMs()),
            headers(s, places),
            auth(s, places),
            places.text(s, "items_pointer", "items_pointer", null),
            emptyAsNone(places.text(s, "id_pointer", "id_pointer", null)),
            emptyAsNone(places.text(s, "key_pointer", "key_pointer", null)),
            pagination(s, places),
            places.booleanValue(s, "conditional", "conditional", defaults.conditional()),
            places.longValue(
                s, "request_timeout_ms", "request_timeout_ms", defaults.requestTimeoutMs()),
            places.intValue(
                s, "max_items_per_page", "max_items_per_page", defaults.maxItemsPerPage()),
            places.intValue(
                s, "max_response_bytes", "max_response_bytes", defaults.maxResponseBytes()),
            places.intValue(s, "max_recent_ids", "max_recent_ids", defaults.maxRecentIds()),
            retry(s, places)));
  }

  private SourceDefinition readJdbc(String name, SectionReader s, Places places) {
    return new SourceDefinition.Jdbc(
        new JdbcPollingSourceConfig(
            name,
            places.string(s, "topic", "topic", null),
            places.string(s, "jdbc_url", "url", null),
            places.string(s, "username", "user", null),
            places.text(s, "password", "password", null),
            places.string(s, "query", "query", null),
            places.string(s, "cursor_column", "cursor_column", null),
            places.string(s, "tie_breaker_column", "tie_breaker_column", null),
            places.string(s, "key_column", "key_column", null),
            places.intValue(s, "batch_size", "batch_size", DEFAULT_JDBC_BATCH_SIZE),
            places.longValue(s, "interval_ms", "interval_ms", DEFAULT_JDBC_INTERVAL_MS),
            places.longValue(
                s, "query_timeout_ms", "query_timeout_ms", DEFAULT_JDBC_QUERY_TIMEOUT_MS),
            retry(s, places)));
  }

  /** An empty id or key pointer means none (the whole item is never a useful id or key). */
  private static String emptyAsNone(String pointer) {
    return pointer == null || pointer.isEmpty() ? null : pointer;
  }

  /** The URL, or null (then validate() reports it) when it is absent or not a URI at all. */
  private static URI url(SectionReader s, Places places) {
    String text = places.string(s, "url", "url", null);
    if (text == null) {
      return null;
    }
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private Map<String, String> headers(SectionReader s, Places places) {
    places.put("headers", s, "headers");
    Optional<ConfigNode> node = s.node("headers");
    if (node.isEmpty() || (node.get() instanceof Scalar n && n.kind() == ScalarKind.NULL)) {
      return Map.of();
    }
    if (!(node.get() instanceof Mapping mapping)) {
      s.problem(
          "headers",
          "must be a mapping of header names to values, was " + ConfigNode.describe(node.get()));
      return Map.of();
    }
    SectionReader headers = new SectionReader(s.settingName("headers"), mapping, problems);
    places.headers = headers;
    Map<String, String> values = new LinkedHashMap<>();
    for (String header : mapping.entries().keySet()) {
      values.put(header, headers.stringValue(header, ""));
    }
    headers.finish();
    return values;
  }

  private static HttpAuth auth(SectionReader s, Places places) {
    if (s.locationOf("auth").isEmpty()) {
      s.node("auth");
      return HttpAuth.NONE;
    }
    SectionReader auth = s.section("auth");
    places.put("auth.type", auth, "type");
    String type = auth.stringValue("type", null);
    HttpAuth result;
    if (type == null) {
      auth.problem("type", "must be set: none, bearer or basic");
      result = HttpAuth.NONE;
    } else {
      result =
          switch (type) {
            case "none" -> HttpAuth.NONE;
            case "bearer" -> HttpAuth.bearer(places.string(auth, "auth.token", "token", null));
            case "basic" ->
                HttpAuth.basic(
                    places.string(auth, "auth.username", "username", null),
                    places.text(auth, "auth.password", "password", null));
            default -> {
              auth.problem("type", "must be none, bearer or basic, was \"" + type + "\"");
              yield HttpAuth.NONE;
            }
          };
    }
    auth.finish();
    return result;
  }

  private static Pagination pagination(SectionReader s, Places places) {
    if (s.locationOf("pagination").isEmpty()) {
      s.node("pagination");
      return Pagination.NONE;
    }
    SectionReader pagination = s.section("pagination");
    places.put("pagination.mode", pagination, "type");
    String type = pagination.stringValue("type", null);
    Pagination result;
    if (type == null) {
      pagination.problem("type", "must be set: none, next_link or cursor");
      result = Pagination.NONE;
    } else {
      result =
          switch (type) {
            case "none" -> Pagination.NONE;
            case "next_link" ->
                Pagination.nextLink(
                    places.text(pagination, "pagination.next_link_pointer", "pointer", null));
            case "cursor" ->
                Pagination.cursor(
                    places.text(pagination, "pagination.cursor_pointer", "pointer", null),
                    places.string(pagination, "pagination.cursor_parameter", "parameter", null));
            default -> {
              pagination.problem("type", "must be none, next_link or cursor, was \"" + type + "\"");
              yield Pagination.NONE;
            }
          };
    }
    pagination.finish();
    return result;
  }

  private static RetryPolicy retry(SectionReader s, Places places) {
    RetryPolicy defaults = RetryPolicy.DEFAULTS;
    if (s.locationOf("retry").isEmpty()) {
      s.node("retry");
      return defaults;
    }
    SectionReader retry = s.section("retry");
    RetryPolicy policy =
        new RetryPolicy(
            places.intValue(retry, "retry.max_attempts", "max_attempts", defaults.maxAttempts()),
            places.longValue(
                retry, "retry.initial_delay_ms", "initial_delay_ms", defaults.initialDelayMs()),
            places.longValue(retry, "retry.max_delay_ms", "max_delay_ms", defaults.maxDelayMs()));
    retry.finish();
    return policy;
  }

  /**
   * Adds a record's problem at the value it is about (or, for a missing value, at the source's
   * name), unless that value already has a problem (a wrong type read as the default).
   */
  private void report(io.millrace.connect.ConfigProblem problem, Places places) {
    Place place = places.of(problem);
    String rule = snakeCaseWords(problem.rule());
    ConfigLocation at = place.location().orElse(place.whenAbsent());
    if (place.location().isEmpty() && !problem.setting().equals("name")) {
      rule = "is required; it " + rule;
    }
    for (ConfigProblem earlier : problems) {
      if (earlier.location().equals(at) && earlier.setting().equals(place.setting())) {
        return;
      }
    }
    problems.add(new ConfigProblem(at, place.setting(), rule));
  }

  /** "must be at least initialDelayMs" → "must be at least initial_delay_ms". */
  private static String snakeCaseWords(String rule) {
    Matcher words = CAMEL_WORD.matcher(rule);
    return words.replaceAll(
        word ->
            Matcher.quoteReplacement(
                new io.millrace.connect.ConfigProblem(word.group(), "").snakeCaseSetting()));
  }

  /**
   * A setting as millrace.yaml names it, where its value is written (empty if absent), and where to
   * point when it is absent: its section ({@code pagination:}), or the source's name.
   */
  private record Place(
      String setting, Optional<ConfigLocation> location, ConfigLocation whenAbsent) {}

  /**
   * Where each of one source's settings is written, keyed by the record's setting name in
   * snake_case ({@code pagination.next_link_pointer}), which is not always the YAML key ({@code
   * pagination.pointer}). Reading a value through here records its place.
   */
  private static final class Places {
    final String path;
    final ConfigLocation nameLocation;
    final Map<String, Place> bySetting = new HashMap<>();
    SectionReader headers;

    Places(String path, ConfigLocation nameLocation) {
      this.path = path;
      this.nameLocation = nameLocation;
    }

    void put(String setting, SectionReader section, String key) {
      String name = section.settingName(key);
      boolean nested = !name.equals(path + "." + key);
      ConfigLocation whenAbsent = nested ? section.location() : nameLocation;
      bySetting.put(setting, new Place(name, section.locationOf(key), whenAbsent));
    }

    String string(SectionReader section, String setting, String key, String defaultValue) {
      put(setting, section, key);
      return section.stringValue(key, defaultValue);
    }

    String text(SectionReader section, String setting, String key, String defaultValue) {
      put(setting, section, key);
      return section.textValue(key, defaultValue);
    }

    long longValue(SectionReader section, String setting, String key, long defaultValue) {
      put(setting, section, key);
      return section.longValue(key, defaultValue, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    int intValue(SectionReader section, String setting, String key, int defaultValue) {
      put(setting, section, key);
      return section.intValue(key, defaultValue, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    boolean booleanValue(SectionReader section, String setting, String key, boolean defaultValue) {
      put(setting, section, key);
      return section.booleanValue(key, defaultValue);
    }

    Place of(io.millrace.connect.ConfigProblem problem) {
      String setting = problem.setting();
      if (setting.equals("name")) {
        return new Place(path, Optional.of(nameLocation), nameLocation);
      }
      if (setting.startsWith("headers") && headers != null) {
        String header = headerNamed(setting, problem.rule());
        if (header != null) {
          ConfigLocation at = headers.keyLocation(header);
          return new Place(headers.settingName(header), Optional.of(at), at);
        }
      }
      Place place = bySetting.get(problem.snakeCaseSetting());
      return place != null
          ? place
          : new Place(path + "." + problem.snakeCaseSetting(), Optional.empty(), nameLocation);
    }

    /** The header a problem is about: "headers.X", or "headers" with a rule naming 'X'. */
    private String headerNamed(String setting, String rule) {
      if (setting.startsWith("headers.")) {
        return setting.substring("headers.".length());
      }
      for (String header : headers.mapping().keySet()) {
        if (rule.startsWith("'" + header + "'")) {
          return header;
        }
      }
      return null;
    }
  }
}
