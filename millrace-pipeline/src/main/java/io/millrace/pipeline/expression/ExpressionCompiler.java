package io.millrace.pipeline.expression;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelKind;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.millrace.pipeline.definition.Expression;
import io.millrace.pipeline.definition.InputFormat;
import io.millrace.pipeline.definition.Problems;

/**
 * Parses and type-checks pipeline expressions with CEL ({@code dev.cel:cel}) and turns them into
 * {@link CompiledExpression}s. A CEL error becomes a {@link Problems} entry at the expression's
 * position in the YAML file, with CEL's message and the line and column inside the expression.
 * Thread-safe once built (CEL's compiler and runtime are immutable).
 */
public final class ExpressionCompiler {

  /** CEL options shared by the checker and the runtime: 1 == 1.0, limits on size and depth. */
  static final CelOptions OPTIONS =
      CelOptions.current()
          .enableHeterogeneousNumericComparisons(true)
          .maxExpressionCodePointSize(Expression.MAX_LENGTH)
          .maxParseRecursionDepth(64)
          .comprehensionMaxIterations(10_000)
          .build();

  private final CelCompiler compiler;
  private final CelRuntime runtime;

  public ExpressionCompiler(InputFormat format) {
    CelCompilerBuilder builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS);
    ExpressionVariables.declarations(format).forEach(builder::addVar);
    this.compiler = builder.build();
    this.runtime = CelRuntimeFactory.plannerRuntimeBuilder().setOptions(OPTIONS).build();
  }

  /** What the result of an expression must be. */
  public enum ResultType {
    /** A condition: bool (or dyn, checked when evaluated). */
    BOOL,
    /** Any value. */
    ANY
  }

  /**
   * The compiled expression, or null after adding every CEL issue to {@code problems}.
   *
   * @param what how to name the expression in messages, e.g. "filter condition"
   */
  public CompiledExpression compile(
      Expression expression, ResultType resultType, String what, Problems problems) {
    CelValidationResult result = compiler.compile(expression.source());
    if (result.hasError()) {
      for (CelIssue issue : result.getErrors()) {
        problems.add(
            expression.position(),
            "bad " + what + ": " + issue.getMessage() + where(expression, issue),
            "the expression is `"
                + abbreviate(expression.source())
                + "`; variables: value, key, headers, timestamp, topic, partition, offset");
      }
      return null;
    }
    CelAbstractSyntaxTree ast;
    try {
      ast = result.getAst();
    } catch (CelValidationException e) {
      problems.add(expression.position(), "bad " + what + ": " + e.getMessage());
      return null;
    }
    if (resultType == ResultType.BOOL) {
      CelKind kind = ast.getResultType().kind();
      if (kind != CelKind.BOOL && kind != CelKind.DYN) {
        problems.add(
            expression.position(),
            what
                + " must be a bool, but `"
                + abbreviate(expression.source())
                + "` is "
                + ast.getResultType().name(),
            "compare the value, e.g. value.price > 100");
        return null;
      }
    }
    try {
      return new CompiledExpression(
          expression, ast, runtime.createProgram(ast), closureOrNull(ast));
    } catch (CelEvaluationException e) {
      problems.add(expression.position(), "cannot plan " + what + ": " + e.getMessage());
      return null;
    }
  }

  /** Closures when the expression is inside the compiled subset, else null (CEL evaluates). */
  private static ClosureCompiler.Node closureOrNull(CelAbstractSyntaxTree ast) {
    try {
      return ClosureCompiler.compile(ast);
    } catch (ClosureCompiler.Unsupported e) {
      return null;
    }
  }

  private static String where(Expression expression, CelIssue issue) {
    int line = issue.getSourceLocation().getLine();
    int column = issue.getSourceLocation().getColumn();
    if (line <= 0) {
      return "";
    }
    return expression.source().contains("\n")
        ? " (expression line " + line + ", column " + (column + 1) + ")"
        : " (expression column " + (column + 1) + ")";
  }

  static String abbreviate(String source) {
    String oneLine = source.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
  }

  /** The CEL runtime (for benchmarks comparing evaluation strategies). */
  public CelRuntime runtime() {
    return runtime;
  }
}
