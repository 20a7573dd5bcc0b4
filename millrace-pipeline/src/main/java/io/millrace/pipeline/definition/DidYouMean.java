package io.millrace.pipeline.definition;

import java.util.Collection;

/** Suggests the closest known word for a misspelt one, by edit distance. Stateless. */
public final class DidYouMean {

  private DidYouMean() {}

  /** {@code "did you mean X?"} when a candidate is close enough, else the list of candidates. */
  public static String hint(String written, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(written.toLowerCase(java.util.Locale.ROOT), candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    if (best != null && bestDistance <= Math.max(2, best.length() / 3)) {
      return "did you mean " + best + "?";
    }
    return "expected one of: " + String.join(", ", candidates);
  }

  /** Levenshtein distance; inputs are short keys (bounded by callers). */
  static int distance(String a, String b) {
    if (a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE / 2;
    }
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
