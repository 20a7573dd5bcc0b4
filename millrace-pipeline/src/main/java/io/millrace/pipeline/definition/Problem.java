package io.millrace.pipeline.definition;

/**
 * One thing wrong with a pipeline file: where, what, and (when we can guess) how to fix it.
 *
 * @param hint empty when there is nothing useful to add
 */
public record Problem(SourcePosition position, String message, String hint) {

  public Problem {
    if (position == null || message == null || hint == null) {
      throw new NullPointerException("position, message and hint are required");
    }
  }

  public static Problem of(SourcePosition position, String message) {
    return new Problem(position, message, "");
  }

  /** {@code file:line:column: message} and, on the next line, {@code hint: ...}. */
  public String format() {
    return hint.isEmpty()
        ? position + ": " + message
        : position + ": " + message + "\n  hint: " + hint;
  }
}
