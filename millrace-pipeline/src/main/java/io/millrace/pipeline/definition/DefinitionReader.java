package io.millrace.pipeline.definition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.millrace.common.DidYouMean;
import io.millrace.engine.view.ViewCatalog;
import io.millrace.pipeline.definition.ProcessorSpec.MaskRule;
import io.millrace.pipeline.definition.YamlNode.Mapping;
import io.millrace.pipeline.definition.YamlNode.Scalar;
import io.millrace.pipeline.definition.YamlNode.ScalarKind;
import io.millrace.pipeline.definition.YamlNode.Sequence;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns the YAML tree of one pipeline file into a {@link PipelineDefinition}, reporting every shape
 * problem (unknown or missing settings, wrong types, bad regular expressions, unknown processor
 * kinds) to {@link Problems}. Types of expressions, route targets and topics are checked later, by
 * {@code PipelineValidator}. One instance per file; not thread-safe.
 */
public final class DefinitionReader {

  /** Longest regular expression accepted (a limit; patterns run on every record). */
  public static final int MAX_REGEX_LENGTH = 1024;

  /** Most entries in any list inside a processor (fields, rules, patterns, routes). */
  public static final int MAX_LIST_ITEMS = 256;

  private static final List<String> TOP_LEVEL =
      List.of("name", "input", "processors", "outputs", "errors");

  private final Problems problems;

  public DefinitionReader(Problems problems) {
    this.problems = problems;
  }

  /** The definition, or null when the root is not even a mapping. Check {@link Problems} too. */
  public PipelineDefinition read(YamlNode root) {
    Settings top = Settings.of(root, "a pipeline", TOP_LEVEL, problems);
    if (top == null) {
      return null;
    }
    String name = top.requiredString("name");
    if (name != null
        && !name.matches(
            "[A-Za-z0-9][A-Za-z0-9._-]{0," + (PipelineDefinition.MAX_NAME_LENGTH - 1) + "}")) {
      problems.add(
          top.node("name").position(),
          "pipeline name '" + name + "' is not allowed",
          "use letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    YamlNode inputNode = top.required("input");
    Input input = inputNode == null ? null : readInput(inputNode);
    List<ProcessorSpec> processors = readProcessors(top);
    List<Output> outputs = readOutputs(top);
    YamlNode errorsNode = top.node("errors");
    ErrorPolicy errors = errorsNode == null ? ErrorPolicy.defaults() : readErrors(errorsNode);
    return new PipelineDefinition(name, input, processors, outputs, errors, root.position());
  }

  private Input readInput(YamlNode node) {
    Settings input = Settings.of(node, "input", List.of("topics", "format", "csv"), problems);
    if (input == null) {
      return null;
    }
    List<TopicRef> topics = topicRefs(input, "topics", Input.MAX_TOPICS);
    if (topics.isEmpty()) {
      problems.add(input.positionOf("topics"), "input needs at least one topic in 'topics'");
    }
    InputFormat format = readFormat(input);
    CsvOptions csv = null;
    if (format == InputFormat.CSV) {
      YamlNode csvNode = input.required("csv");
      csv = csvNode == null ? null : readCsv(csvNode);
    } else if (input.has("csv")) {
      problems.add(input.positionOf("csv"), "'csv' settings only apply to format: csv");
    }
    return new Input(topics, format, csv, node.position());
  }

  private InputFormat readFormat(Settings input) {
    String text = input.optionalString("format", "json");
    String lower = text.toLowerCase(Locale.ROOT);
    for (InputFormat format : InputFormat.values()) {
      if (format.yamlName().equals(lower)) {
        return format;
      }
    }
    if (lower.equals("avro") || lower.equals("protobuf")) {
      problems.add(
          input.positionOf("format"),
          "input format " + lower + " is not supported yet",
          "use json, text or csv");
    } else {
      problems.add(
          input.positionOf("format"),
          "unknown input format '" + text + "'",
          DidYouMean.hint(text, List.of("json", "text", "csv")));
    }
    return InputFormat.JSON;
  }

  private CsvOptions readCsv(YamlNode node) {
    Settings csv = Settings.of(node, "csv", List.of("columns", "delimiter"), problems);
    if (csv == null) {
      return null;
    }
    List<String> columns = csv.stringList("columns", CsvOptions.MAX_COLUMNS);
    if (columns.isEmpty()) {
      problems.add(
          csv.positionOf("columns"), "csv needs 'columns': the names of the columns in order");
    }
    return new CsvOptions(columns, csv.character("delimiter", ','));
  }

  private List<TopicRef> topicRefs(Settings settings, String key, int max) {
    List<TopicRef> topics = new ArrayList<>();
    for (YamlNode item : settings.list(key, max)) {
      String topic = settings.string(item, key);
      if (topic != null) {
        topics.add(topicRef(topic, item.position()));
      }
    }
    return topics;
  }

  private TopicRef topicRef(String topic, SourcePosition at) {
    // A reference that could not be substituted is reported already.
    if (!topic.contains("${") && !topic.matches("[A-Za-z0-9._-]{1,249}")) {
      problems.add(
          at,
          "'" + topic + "' is not a valid topic name",
          "Kafka topic names use letters, digits, '.', '_' and '-', at most 249");
    }
    return new TopicRef(topic, at);
  }

  private List<Output> readOutputs(Settings top) {
    List<Output> outputs = new ArrayList<>();
    if (!top.has("outputs")) {
      problems.add(
          top.position(),
          "a pipeline needs 'outputs'",
          "outputs:\n    - name: out\n      topic: my-topic");
      return outputs;
    }
    Set<String> names = new HashSet<>();
    for (YamlNode item : top.list("outputs", PipelineDefinition.MAX_OUTPUTS)) {
      List<String> keys = new ArrayList<>(List.of("name", "topic", "view"));
      keys.addAll(SinkOutputReader.KINDS);
      List<String> known = new ArrayList<>(keys);
      known.add("ttl_ms"); // a setting of view outputs, not a kind
      Settings output = Settings.of(item, "an output", known, problems);
      if (output == null) {
        continue;
      }
      String name = output.requiredString("name");
      if (name != null && !names.add(name)) {
        problems.add(
            output.node("name").position(),
            "duplicate output name '" + name + "'",
            "give each output its own name");
      }
      List<String> kinds = keys.stream().skip(1).filter(output::has).toList();
      if (kinds.size() > 1) {
        problems.add(
            output.positionOf(kinds.get(1)),
            "an output has one of " + String.join(", ", keys.subList(1, keys.size())),
            "this one has " + String.join(" and ", kinds));
        continue;
      }
      boolean isView = kinds.equals(List.of("view"));
      if (output.has("ttl_ms") && !isView) {
        problems.add(output.positionOf("ttl_ms"), "'ttl_ms' only applies to view outputs");
      }
      if (isView) {
        Output.ViewOutput view = readViewOutput(name, output, item.position());
        if (view != null) {
          outputs.add(view);
        }
        continue;
      }
      if (!kinds.isEmpty() && !kinds.get(0).equals("topic")) {
        String kind = kinds.get(0);
        Output.SinkOutput sink =
            new SinkOutputReader(problems).read(name, kind, output.node(kind), item.position());
        if (sink != null && name != null) {
          outputs.add(sink);
        }
        continue;
      }
      String topic = output.requiredString("topic");
      if (name != null && topic != null) {
        outputs.add(
            new Output.TopicOutput(
                name, topicRef(topic, output.node("topic").position()), item.position()));
      }
    }
    if (top.list("outputs", PipelineDefinition.MAX_OUTPUTS).isEmpty()) {
      problems.add(top.positionOf("outputs"), "a pipeline needs at least one output");
    }
    return outputs;
  }

  /** {@code view: NAME} with an optional {@code ttl_ms}; null (and problems) if it is wrong. */
  private Output.ViewOutput readViewOutput(String name, Settings output, SourcePosition at) {
    String view = output.requiredString("view");
    long ttlMs = output.optionalLong("ttl_ms", 0, 0, Output.ViewOutput.MAX_TTL_MS);
    // A reference that could not be substituted is reported already.
    if (view != null && !view.contains("${") && ViewCatalog.nameProblem(view) != null) {
      problems.add(
          output.node("view").position(),
          "'" + view + "' is not a valid view name",
          "view names use letters, digits, '_' and '-', at most " + ViewCatalog.MAX_NAME_LENGTH);
      return null;
    }
    return name == null || view == null ? null : new Output.ViewOutput(name, view, ttlMs, at);
  }

  private ErrorPolicy readErrors(YamlNode node) {
    Settings errors =
        Settings.of(
            node, "errors", List.of("dead_letter_topic", "max_retries", "backoff_ms"), problems);
    if (errors == null) {
      return ErrorPolicy.defaults();
    }
    String topic = errors.optionalString("dead_letter_topic", null);
    TopicRef deadLetters =
        topic == null ? null : topicRef(topic, errors.node("dead_letter_topic").position());
    int maxRetries = (int) errors.optionalLong("max_retries", 3, 0, ErrorPolicy.MAX_RETRIES);
    long backoffMs = errors.optionalLong("backoff_ms", 100, 0, ErrorPolicy.MAX_BACKOFF_MS);
    return new ErrorPolicy(deadLetters, maxRetries, backoffMs);
  }

  private List<ProcessorSpec> readProcessors(Settings top) {
    List<ProcessorSpec> processors = new ArrayList<>();
    for (YamlNode item : top.list("processors", PipelineDefinition.MAX_PROCESSORS)) {
      if (!(item instanceof Mapping mapping) || mapping.entries().size() != 1) {
        problems.add(
            item.position(),
            "a processor is a mapping with exactly one key, its kind",
            "e.g. - filter: value.price > 100");
        continue;
      }
      Map.Entry<String, YamlNode> entry = mapping.entries().entrySet().iterator().next();
      SourcePosition at = mapping.keyPositions().get(entry.getKey());
      ProcessorSpec spec = readProcessor(entry.getKey(), entry.getValue(), at);
      if (spec != null) {
        processors.add(spec);
      }
    }
    return processors;
  }

  private ProcessorSpec readProcessor(String kind, YamlNode node, SourcePosition at) {
    return switch (kind) {
      case "filter" -> readFilter(node, at);
      case "map" -> readMap(node, at);
      case "mask" -> readMask(node, at);
      case "redact" -> readRedact(node, at);
      case "parse" -> readParse(node, at);
      case "validate" -> readValidate(node, at);
      case "route" -> readRoute(node, at);
      case "key" -> readKey(node, at);
      case "explode" -> readExplode(node, at);
      case "metadata" -> readMetadata(node, at);
      default -> {
        problems.add(
            at, "unknown processor '" + kind + "'", DidYouMean.hint(kind, ProcessorSpec.KINDS));
        yield null;
      }
    };
  }

  /** {@code filter: EXPR} or {@code filter: {condition: EXPR}}. */
  private ProcessorSpec readFilter(YamlNode node, SourcePosition at) {
    Expression condition = shorthandExpression(node, "filter", "condition");
    return condition == null ? null : new ProcessorSpec.Filter(condition, at);
  }

  /** {@code key: EXPR} or {@code key: {expression: EXPR}}. */
  private ProcessorSpec readKey(YamlNode node, SourcePosition at) {
    Expression expression = shorthandExpression(node, "key", "expression");
    return expression == null ? null : new ProcessorSpec.Key(expression, at);
  }

  private Expression shorthandExpression(YamlNode node, String kind, String key) {
    if (node instanceof Scalar scalar && scalar.kind() != ScalarKind.NULL) {
      Settings none =
          Settings.of(
              new Mapping(Map.of(), Map.of(), node.position()), kind, List.of(key), problems);
      return none.expression(node, key);
    }
    Settings settings = Settings.of(node, kind, List.of(key), problems);
    return settings == null ? null : settings.requiredExpression(key);
  }

  private ProcessorSpec readMap(YamlNode node, SourcePosition at) {
    Settings map = Settings.of(node, "map", List.of("set", "rename", "remove"), problems);
    if (map == null) {
      return null;
    }
    List<ProcessorSpec.FieldAssignment> set = new ArrayList<>();
    List<ProcessorSpec.Rename> rename = new ArrayList<>();
    forEachEntry(
        map,
        "set",
        (field, value) -> {
          FieldPath path =
              map.fieldPath(new Scalar(field, ScalarKind.STRING, value.position()), "set");
          Expression expression = map.expression(value, field);
          if (path != null && expression != null) {
            set.add(new ProcessorSpec.FieldAssignment(path, expression));
          }
        });
    forEachEntry(
        map,
        "rename",
        (from, to) -> {
          FieldPath fromPath =
              map.fieldPath(new Scalar(from, ScalarKind.STRING, to.position()), "rename");
          FieldPath toPath = map.fieldPath(to, from);
          if (fromPath != null && toPath != null) {
            rename.add(new ProcessorSpec.Rename(fromPath, toPath));
          }
        });
    List<FieldPath> remove = new ArrayList<>();
    for (YamlNode item : map.list("remove", MAX_LIST_ITEMS)) {
      FieldPath path = map.fieldPath(item, "remove");
      if (path != null) {
        remove.add(path);
      }
    }
    if (set.isEmpty()
        && rename.isEmpty()
        && remove.isEmpty()
        && !map.has("set")
        && !map.has("rename")
        && !map.has("remove")) {
      problems.add(at, "map does nothing", "give it set, rename or remove");
    }
    return new ProcessorSpec.MapFields(set, rename, remove, at);
  }

  private void forEachEntry(
      Settings settings, String key, java.util.function.BiConsumer<String, YamlNode> action) {
    YamlNode node = settings.node(key);
    if (node == null) {
      return;
    }
    if (!(node instanceof Mapping mapping)) {
      problems.add(node.position(), "'" + key + "' must be a mapping of field: value");
      return;
    }
    if (mapping.entries().size() > MAX_LIST_ITEMS) {
      problems.add(node.position(), "'" + key + "' has more than " + MAX_LIST_ITEMS + " entries");
      return;
    }
    mapping.entries().forEach(action);
  }

  private ProcessorSpec readMask(YamlNode node, SourcePosition at) {
    Settings mask = Settings.of(node, "mask", List.of("fields"), problems);
    if (mask == null) {
      return null;
    }
    List<MaskRule> rules = new ArrayList<>();
    if (mask.required("fields") == null) {
      return null;
    }
    for (YamlNode item : mask.list("fields", MAX_LIST_ITEMS)) {
      MaskRule rule = readMaskRule(item);
      if (rule != null) {
        rules.add(rule);
      }
    }
    return new ProcessorSpec.Mask(rules, at);
  }

  private static final List<String> MASK_MODES = List.of("fixed", "keep_last", "hash", "remove");

  private MaskRule readMaskRule(YamlNode node) {
    Settings rule =
        Settings.of(
            node,
            "a mask rule",
            List.of("field", "mode", "replacement", "keep", "mask_char", "secret"),
            problems);
    if (rule == null) {
      return null;
    }
    FieldPath field = rule.requiredFieldPath("field");
    String mode = rule.optionalString("mode", "fixed");
    MaskRule result =
        switch (mode) {
          case "fixed" -> new MaskRule.Fixed(field, rule.optionalString("replacement", "****"));
          case "keep_last" ->
              new MaskRule.KeepLast(
                  field,
                  (int) rule.optionalLong("keep", 4, 0, 64),
                  rule.character("mask_char", '*'));
          case "hash" -> {
            String secret = rule.requiredString("secret");
            if (secret != null && secret.length() < 16) {
              problems.add(
                  rule.positionOf("secret"),
                  "the hash secret is shorter than 16 characters",
                  "use a long random secret, e.g. secret: ${MASK_SECRET}");
            }
            yield secret == null ? null : new MaskRule.Hash(field, secret);
          }
          case "remove" -> new MaskRule.Remove(field);
          default -> {
            problems.add(
                rule.positionOf("mode"),
                "unknown mask mode '" + mode + "'",
                DidYouMean.hint(mode, MASK_MODES));
            yield null;
          }
        };
    return field == null ? null : result;
  }

  private ProcessorSpec readRedact(YamlNode node, SourcePosition at) {
    Settings redact = Settings.of(node, "redact", List.of("fields", "patterns"), problems);
    if (redact == null) {
      return null;
    }
    List<FieldPath> fields = new ArrayList<>();
    for (YamlNode item : redact.list("fields", MAX_LIST_ITEMS)) {
      FieldPath path = redact.fieldPath(item, "fields");
      if (path != null) {
        fields.add(path);
      }
    }
    List<ProcessorSpec.RedactPattern> patterns = new ArrayList<>();
    if (redact.required("patterns") == null) {
      return null;
    }
    for (YamlNode item : redact.list("patterns", MAX_LIST_ITEMS)) {
      Settings pattern =
          Settings.of(item, "a redact pattern", List.of("regex", "replacement"), problems);
      if (pattern == null) {
        continue;
      }
      Pattern regex = regex(pattern, "regex");
      String replacement = pattern.optionalString("replacement", "****");
      if (regex != null
          && checkReplacement(regex, replacement, pattern.positionOf("replacement"))) {
        patterns.add(new ProcessorSpec.RedactPattern(regex, replacement));
      }
    }
    return new ProcessorSpec.Redact(fields, patterns, at);
  }

  /**
   * Checks group references in a replacement: appending a replacement only checks them on a match,
   * so match the pattern or, failing that, the empty alternative that keeps all its groups.
   */
  private boolean checkReplacement(Pattern regex, String replacement, SourcePosition at) {
    try {
      Pattern.compile("(?:" + regex.pattern() + ")|").matcher("").replaceAll(replacement);
      return true;
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      problems.add(
          at,
          "bad replacement: " + e.getMessage(),
          "refer to groups as $1 or ${name}; write \\$ for a literal $");
      return false;
    }
  }

  private Pattern regex(Settings settings, String key) {
    String text = settings.requiredString(key);
    if (text == null) {
      return null;
    }
    SourcePosition at = settings.node(key).position();
    if (text.length() > MAX_REGEX_LENGTH) {
      problems.add(at, "regular expression longer than " + MAX_REGEX_LENGTH + " characters");
      return null;
    }
    try {
      return Pattern.compile(text);
    } catch (PatternSyntaxException e) {
      problems.add(
          at,
          "bad regular expression: "
              + e.getDescription()
              + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""),
          "the syntax is Java's java.util.regex; in YAML, prefer single quotes so backslashes stay as written");
      return null;
    }
  }

  private static final List<String> PARSE_FORMATS = List.of("json", "csv", "regex");

  private ProcessorSpec readParse(YamlNode node, SourcePosition at) {
    Settings parse =
        Settings.of(
            node,
            "parse",
            List.of("field", "format", "regex", "columns", "delimiter", "target"),
            problems);
    if (parse == null) {
      return null;
    }
    FieldPath field = parse.optionalFieldPath("field");
    FieldPath target = parse.optionalFieldPath("target");
    String formatText = parse.requiredString("format");
    if (formatText == null) {
      return null;
    }
    ProcessorSpec.ParseFormat format;
    switch (formatText) {
      case "json" -> format = ProcessorSpec.ParseFormat.JSON;
      case "csv" -> format = ProcessorSpec.ParseFormat.CSV;
      case "regex" -> format = ProcessorSpec.ParseFormat.REGEX;
      default -> {
        problems.add(
            parse.positionOf("format"),
            "unknown parse format '" + formatText + "'",
            DidYouMean.hint(formatText, PARSE_FORMATS));
        return null;
      }
    }
    Pattern regex = null;
    if (format == ProcessorSpec.ParseFormat.REGEX) {
      regex = regex(parse, "regex");
      if (regex != null && regex.namedGroups().isEmpty()) {
        problems.add(
            parse.node("regex").position(),
            "the regular expression has no named groups, so it would set no field",
            "name groups like (?<user>\\w+)");
      }
    } else if (parse.has("regex")) {
      problems.add(parse.positionOf("regex"), "'regex' only applies to format: regex");
    }
    List<String> columns = List.of();
    if (format == ProcessorSpec.ParseFormat.CSV) {
      columns = parse.stringList("columns", CsvOptions.MAX_COLUMNS);
      if (columns.isEmpty()) {
        problems.add(parse.positionOf("columns"), "parse format csv needs 'columns'");
      }
    } else if (parse.has("columns")) {
      problems.add(parse.positionOf("columns"), "'columns' only applies to format: csv");
    }
    char delimiter = parse.character("delimiter", ',');
    return new ProcessorSpec.Parse(field, format, regex, columns, delimiter, target, at);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private ProcessorSpec readValidate(YamlNode node, SourcePosition at) {
    Settings validate = Settings.of(node, "validate", List.of("schema"), problems);
    if (validate == null) {
      return null;
    }
    YamlNode schema = validate.required("schema");
    if (schema == null) {
      return null;
    }
    if (schema instanceof Scalar scalar && scalar.kind() == ScalarKind.STRING) {
      try {
        return new ProcessorSpec.Validate(JSON.readTree(scalar.text()), at);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        problems.add(
            schema.position(),
            "the schema is not valid JSON: " + e.getOriginalMessage(),
            "write the schema as YAML under schema:, or as a JSON string");
        return null;
      }
    }
    return new ProcessorSpec.Validate(toJson(schema), at);
  }

  /** The YAML tree as a Jackson tree, for the JSON Schema library. */
  static JsonNode toJson(YamlNode node) {
    JsonNodeFactory factory = JsonNodeFactory.instance;
    return switch (node) {
      case Mapping mapping -> {
        var object = factory.objectNode();
        mapping.entries().forEach((key, value) -> object.set(key, toJson(value)));
        yield object;
      }
      case Sequence sequence -> {
        var array = factory.arrayNode();
        sequence.items().forEach(item -> array.add(toJson(item)));
        yield array;
      }
      case Scalar scalar ->
          switch (scalar.kind()) {
            case STRING -> factory.textNode(scalar.text());
            case INTEGER -> factory.numberNode(new java.math.BigInteger(scalar.text()));
            case DECIMAL -> factory.numberNode(new java.math.BigDecimal(scalar.text()));
            case BOOLEAN -> factory.booleanNode(Boolean.parseBoolean(scalar.text()));
            case NULL -> factory.nullNode();
          };
    };
  }

  private ProcessorSpec readRoute(YamlNode node, SourcePosition at) {
    Settings route = Settings.of(node, "route", List.of("cases", "default"), problems);
    if (route == null) {
      return null;
    }
    List<ProcessorSpec.RouteCase> cases = new ArrayList<>();
    for (YamlNode item : route.list("cases", MAX_LIST_ITEMS)) {
      Settings routeCase = Settings.of(item, "a route case", List.of("when", "output"), problems);
      if (routeCase == null) {
        continue;
      }
      Expression when = routeCase.requiredExpression("when");
      String output = routeCase.requiredString("output");
      if (when != null && output != null) {
        cases.add(new ProcessorSpec.RouteCase(when, output, routeCase.node("output").position()));
      }
    }
    if (!route.has("cases")) {
      problems.add(
          at,
          "route needs 'cases'",
          "cases:\n    - when: value.country == \"FR\"\n      output: france");
    }
    String defaultOutput = route.optionalString("default", null);
    return new ProcessorSpec.Route(cases, defaultOutput, route.positionOf("default"), at);
  }

  private ProcessorSpec readExplode(YamlNode node, SourcePosition at) {
    if (node instanceof Scalar scalar && scalar.kind() == ScalarKind.STRING) {
      Settings none =
          Settings.of(
              new Mapping(Map.of(), Map.of(), node.position()),
              "explode",
              List.of("field"),
              problems);
      FieldPath path = none.fieldPath(node, "field");
      return path == null ? null : new ProcessorSpec.Explode(path, at);
    }
    Settings explode = Settings.of(node, "explode", List.of("field"), problems);
    FieldPath path = explode == null ? null : explode.requiredFieldPath("field");
    return path == null ? null : new ProcessorSpec.Explode(path, at);
  }

  private static final List<String> METADATA_SOURCES =
      List.of("timestamp", "topic", "partition", "offset", "key", "headers", "header:NAME");

  private ProcessorSpec readMetadata(YamlNode node, SourcePosition at) {
    Settings metadata = Settings.of(node, "metadata", List.of("fields"), problems);
    if (metadata == null) {
      return null;
    }
    List<ProcessorSpec.MetadataField> fields = new ArrayList<>();
    if (metadata.required("fields") == null) {
      return null;
    }
    forEachEntry(
        metadata,
        "fields",
        (target, sourceNode) -> {
          FieldPath path =
              metadata.fieldPath(
                  new Scalar(target, ScalarKind.STRING, sourceNode.position()), "fields");
          String source = metadata.string(sourceNode, target);
          if (path == null || source == null) {
            return;
          }
          if (source.startsWith("header:") && source.length() > "header:".length()) {
            fields.add(
                new ProcessorSpec.MetadataField(
                    path,
                    ProcessorSpec.MetadataSource.HEADER,
                    source.substring("header:".length())));
            return;
          }
          for (ProcessorSpec.MetadataSource candidate : ProcessorSpec.MetadataSource.values()) {
            if (candidate != ProcessorSpec.MetadataSource.HEADER
                && candidate.name().toLowerCase(Locale.ROOT).equals(source)) {
              fields.add(new ProcessorSpec.MetadataField(path, candidate, null));
              return;
            }
          }
          problems.add(
              sourceNode.position(),
              "unknown metadata '" + source + "'",
              DidYouMean.hint(source, METADATA_SOURCES));
        });
    return new ProcessorSpec.Metadata(fields, at);
  }
}
