package io.millrace.pipeline.expression;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.definition.Expression;

/**
 * A checked, planned CEL expression. Evaluation failures (a missing field, a wrong type in data
 * typed {@code dyn}, division by zero) are bad data: they throw {@link ExpressionFailure}, which
 * processors turn into a dead letter. Thread-safe; the {@link RecordVariables} passed in are not.
 */
public final class CompiledExpression {

  private final Expression expression;
  private final CelAbstractSyntaxTree ast;
  private final CelRuntime.Program program;
  private final ClosureCompiler.Node closure;

  /**
   * @param closure the expression compiled to closures, or null to evaluate with {@code program}
   */
  CompiledExpression(
      Expression expression,
      CelAbstractSyntaxTree ast,
      CelRuntime.Program program,
      ClosureCompiler.Node closure) {
    this.expression = expression;
    this.ast = ast;
    this.program = program;
    this.closure = closure;
  }

  /** An expression that failed on one record: bad data, not a bug. */
  public static final class ExpressionFailure extends Exception {
    private static final long serialVersionUID = 1L;

    ExpressionFailure(String message) {
      super(message);
    }
  }

  public Expression expression() {
    return expression;
  }

  /** The checked syntax tree (for compilers to other forms and for analysis). */
  public CelAbstractSyntaxTree ast() {
    return ast;
  }

  /** Whether evaluation runs compiled closures (else CEL's planner runtime). */
  public boolean isCompiledToClosures() {
    return closure != null;
  }

  /** Evaluates against the record {@code variables} currently points at. */
  public Object evaluate(RecordVariables variables) throws ExpressionFailure {
    if (closure != null) {
      try {
        return toValue(closure.eval(variables.record()), 0);
      } catch (ClosureCompiler.EvaluationError e) {
        throw failure(e.getMessage());
      } catch (ClosureCompiler.NeedsCel e) {
        // this record needs CEL's own rules: evaluated below
      }
    }
    try {
      Object result = program.eval(variables);
      return toValue(result, 0);
    } catch (CelEvaluationException e) {
      throw new ExpressionFailure(
          "`" + ExpressionCompiler.abbreviate(expression.source()) + "` failed: " + e.getMessage());
    }
  }

  /**
   * CEL's result in the record value model (see {@code Values}): CEL's immutable maps and lists
   * become plain ones, timestamps become RFC 3339 text, unsigned ints become Long.
   */
  private static Object toValue(Object result, int depth) throws ExpressionFailure {
    if (depth > io.millrace.pipeline.Values.MAX_JSON_DEPTH) {
      throw new ExpressionFailure(
          "result nested deeper than " + io.millrace.pipeline.Values.MAX_JSON_DEPTH);
    }
    return switch (result) {
      case null -> null;
      case dev.cel.common.values.NullValue n -> null;
      case String s -> s;
      case Long l -> l;
      case Double d -> d;
      case Boolean b -> b;
      case com.google.common.primitives.UnsignedLong u -> u.longValue();
      case com.google.protobuf.Timestamp t ->
          java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
      case java.time.Instant i -> i.toString();
      case java.util.Map<?, ?> map -> {
        java.util.Map<String, Object> copy = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<?, ?> entry : map.entrySet()) {
          copy.put(
              String.valueOf(toValue(entry.getKey(), depth + 1)),
              toValue(entry.getValue(), depth + 1));
        }
        yield copy;
      }
      case java.util.List<?> list -> {
        java.util.List<Object> copy = new java.util.ArrayList<>(list.size());
        for (Object item : list) {
          copy.add(toValue(item, depth + 1));
        }
        yield copy;
      }
      default -> result.toString();
    };
  }

  /** Evaluates a condition; a non-bool result (possible with dyn data) is a failure. */
  public boolean test(RecordVariables variables) throws ExpressionFailure {
    if (closure != null) {
      try {
        return closure.test(variables.record());
      } catch (ClosureCompiler.EvaluationError e) {
        throw failure(e.getMessage());
      } catch (ClosureCompiler.NeedsCel e) {
        // this record needs CEL's own rules: evaluated below
      }
    }
    Object result;
    try {
      result = program.eval(variables);
    } catch (CelEvaluationException e) {
      throw new ExpressionFailure(
          "`" + ExpressionCompiler.abbreviate(expression.source()) + "` failed: " + e.getMessage());
    }
    if (result instanceof Boolean b) {
      return b;
    }
    throw new ExpressionFailure(
        "`"
            + ExpressionCompiler.abbreviate(expression.source())
            + "` gave "
            + (result == null ? "null" : result.getClass().getSimpleName())
            + ", not a bool");
  }

  private ExpressionFailure failure(String reason) {
    return new ExpressionFailure(
        "`" + ExpressionCompiler.abbreviate(expression.source()) + "` failed: " + reason);
  }

  /** Convenience for tests and one-off use: allocates a resolver. */
  public Object evaluate(PipelineRecord record) throws ExpressionFailure {
    return evaluate(new RecordVariables().reset(record));
  }
}
