package io.millrace.pipeline.definition;

/**
 * Where something was written: a file name and a 1-based line and column. Printed as {@code
 * file:line:column}, the form editors and terminals turn into links.
 */
public record SourcePosition(String file, int line, int column) {

  public SourcePosition {
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("line and column start at 1: " + line + ":" + column);
    }
  }

  /** The start of a file, for problems that belong to the whole file. */
  public static SourcePosition startOf(String file) {
    return new SourcePosition(file, 1, 1);
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
