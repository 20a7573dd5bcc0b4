package io.millrace.pipeline.definition;

/**
 * A CEL expression as written in a pipeline file, with where it was written. Compiled and type
 * checked by {@code io.millrace.pipeline.expression.ExpressionCompiler}.
 */
public record Expression(String source, SourcePosition position) {

  /** Longer expressions are refused: a limit like any other. */
  public static final int MAX_LENGTH = 4096;
}
