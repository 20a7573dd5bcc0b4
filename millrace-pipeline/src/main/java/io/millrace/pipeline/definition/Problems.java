package io.millrace.pipeline.definition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects every problem found while reading and checking one pipeline file, so that a user sees
 * all of them at once rather than one per run. Keeps at most {@link #MAX_PROBLEMS}; the rest are
 * counted. Not thread-safe: one instance per file.
 */
public final class Problems {

  /** More problems than this in one file are counted, not kept. */
  public static final int MAX_PROBLEMS = 200;

  private final List<Problem> problems = new ArrayList<>();
  private int dropped;

  public void add(SourcePosition position, String message) {
    add(new Problem(position, message, ""));
  }

  public void add(SourcePosition position, String message, String hint) {
    add(new Problem(position, message, hint));
  }

  public void add(Problem problem) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(problem);
    } else {
      dropped++;
    }
  }

  public boolean isEmpty() {
    return problems.isEmpty();
  }

  /** The problems in file order (line, then column), duplicates removed. */
  public List<Problem> sorted() {
    return problems.stream()
        .distinct()
        .sorted(
            Comparator.comparingInt((Problem p) -> p.position().line())
                .thenComparingInt(p -> p.position().column()))
        .toList();
  }

  /** How many problems were found beyond {@link #MAX_PROBLEMS}. */
  public int dropped() {
    return dropped;
  }
}
