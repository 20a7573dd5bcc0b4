package io.millrace.pipeline.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One step of a pipeline as declared: its kind and its settings, already checked for shape
 * (required settings present, regular expressions compiled). One record per processor kind.
 * Immutable; {@link java.util.regex.Pattern} is immutable and thread-safe.
 */
public sealed interface ProcessorSpec {

  /** Where the processor's entry starts in the file. */
  SourcePosition position();

  /** The YAML name of the kind, e.g. {@code mask}. */
  String kind();

  /** Keeps records for which {@code condition} is true. */
  record Filter(Expression condition, SourcePosition position) implements ProcessorSpec {
    @Override
    public String kind() {
      return "filter";
    }
  }

  /**
   * Reshapes the value: {@code set} fields from expressions (all evaluated against the input
   * record), then {@code rename}, then {@code remove}.
   */
  record MapFields(
      List<FieldAssignment> set,
      List<Rename> rename,
      List<FieldPath> remove,
      SourcePosition position)
      implements ProcessorSpec {
    public MapFields {
      set = List.copyOf(set);
      rename = List.copyOf(rename);
      remove = List.copyOf(remove);
    }

    @Override
    public String kind() {
      return "map";
    }
  }

  /** {@code field: expression} of a map processor. */
  record FieldAssignment(FieldPath field, Expression value) {}

  /** {@code from: to} of a map processor. */
  record Rename(FieldPath from, FieldPath to) {}

  /** Hides sensitive fields, each by one {@link MaskRule}. */
  record Mask(List<MaskRule> rules, SourcePosition position) implements ProcessorSpec {
    public Mask {
      rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
      return "mask";
    }
  }

  /** How one field is masked. */
  sealed interface MaskRule {
    FieldPath field();

    /** Replaces the whole value with {@code replacement}. */
    record Fixed(FieldPath field, String replacement) implements MaskRule {}

    /** Keeps the last {@code keep} characters, replaces the others with {@code maskChar}. */
    record KeepLast(FieldPath field, int keep, char maskChar) implements MaskRule {}

    /** Replaces the value with the lowercase hex HMAC-SHA-256 of its text under {@code secret}. */
    record Hash(FieldPath field, String secret) implements MaskRule {
      @Override
      public String toString() {
        return "Hash[field=" + field + ", secret=(hidden)]";
      }
    }

    /** Removes the field. */
    record Remove(FieldPath field) implements MaskRule {}
  }

  /**
   * Replaces every match of each pattern, in order, in the named string fields, or in the whole
   * value when the input is text and {@code fields} is empty.
   */
  record Redact(List<FieldPath> fields, List<RedactPattern> patterns, SourcePosition position)
      implements ProcessorSpec {
    public Redact {
      fields = List.copyOf(fields);
      patterns = List.copyOf(patterns);
    }

    @Override
    public String kind() {
      return "redact";
    }
  }

  /** A regular expression and its replacement ({@code $1}, {@code ${name}} refer to groups). */
  record RedactPattern(Pattern regex, String replacement) {}

  /** How a parse processor reads text. */
  enum ParseFormat {
    JSON,
    CSV,
    REGEX
  }

  /**
   * Parses a string (a field, or the whole text value when {@code field} is null) into fields,
   * placed under {@code target} or, when it is null, merged into the value's top level (a text
   * value becomes a map).
   *
   * @param regex for REGEX: named groups become fields; null otherwise
   * @param columns for CSV: the column names; empty otherwise
   */
  record Parse(
      FieldPath field,
      ParseFormat format,
      Pattern regex,
      List<String> columns,
      char delimiter,
      FieldPath target,
      SourcePosition position)
      implements ProcessorSpec {
    public Parse {
      columns = List.copyOf(columns);
    }

    @Override
    public String kind() {
      return "parse";
    }
  }

  /** Checks the value against a JSON Schema (2020-12); invalid records go to the dead letters. */
  record Validate(JsonNode schema, SourcePosition position) implements ProcessorSpec {
    @Override
    public String kind() {
      return "validate";
    }
  }

  /**
   * Sends each record to the output of the first case whose {@code when} is true, else to {@code
   * defaultOutput} (dropped when that is null). Must be the last processor.
   */
  record Route(
      List<RouteCase> cases,
      String defaultOutput,
      SourcePosition defaultPosition,
      SourcePosition position)
      implements ProcessorSpec {
    public Route {
      cases = List.copyOf(cases);
    }

    @Override
    public String kind() {
      return "route";
    }
  }

  /** One {@code when: ..., output: ...} of a route. */
  record RouteCase(Expression when, String output, SourcePosition outputPosition) {}

  /** Sets the record key to the expression's result as a string ({@code null} clears it). */
  record Key(Expression expression, SourcePosition position) implements ProcessorSpec {
    @Override
    public String kind() {
      return "key";
    }
  }

  /** Turns a record whose {@code field} is a list into one record per element (in that field). */
  record Explode(FieldPath field, SourcePosition position) implements ProcessorSpec {
    public static final int MAX_ELEMENTS = 10_000;

    @Override
    public String kind() {
      return "explode";
    }
  }

  /** Copies record metadata into value fields. */
  record Metadata(List<MetadataField> fields, SourcePosition position) implements ProcessorSpec {
    public Metadata {
      fields = List.copyOf(fields);
    }

    @Override
    public String kind() {
      return "metadata";
    }
  }

  /** Which piece of metadata a {@link Metadata} field receives. */
  enum MetadataSource {
    /** Record timestamp, epoch milliseconds (int). */
    TIMESTAMP,
    TOPIC,
    PARTITION,
    /** The source offset. */
    OFFSET,
    KEY,
    /** All headers as a map of strings. */
    HEADERS,
    /** One header, named by {@code header:NAME}. */
    HEADER
  }

  /** {@code target: source} of a metadata processor; {@code headerName} only for HEADER. */
  record MetadataField(FieldPath target, MetadataSource source, String headerName) {}

  /** The YAML names of all kinds, for "did you mean". */
  List<String> KINDS =
      List.of(
          "filter",
          "map",
          "mask",
          "redact",
          "parse",
          "validate",
          "route",
          "key",
          "explode",
          "metadata");
}
