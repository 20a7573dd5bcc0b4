package io.millrace.common;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Suggests the known name closest to a misspelt one (edit distance), for error messages about
 * configuration files and pipeline definitions. Stateless; thread-safe.
 */
public final class DidYouMean {

  /** Names longer than this get no suggestion (the distance is quadratic in the lengths). */
  private static final int MAX_LENGTH = 64;

  private DidYouMean() {}

  /** The closest candidate within an edit distance of a third of the name (at least 2). */
  public static Optional<String> closest(String name, Collection<String> candidates) {
    String written = name.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(written, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    int allowed = Math.max(2, name.length() / 3);
    return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
  }

  /** {@code "did you mean X?"} when a candidate is close enough, else the list of candidates. */
  public static String hint(String name, Collection<String> candidates) {
    return closest(name, candidates)
        .map(match -> "did you mean " + match + "?")
        .orElse("expected one of: " + String.join(", ", candidates));
  }

  /** Levenshtein distance, treating '-', '_' and '.' as the same character. */
  static int distance(String a, String b) {
    if (a.length() > MAX_LENGTH || b.length() > MAX_LENGTH) {
      return Integer.MAX_VALUE;
    }
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = same(a.charAt(i - 1), b.charAt(j - 1)) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static boolean same(char a, char b) {
    return a == b || (isSeparator(a) && isSeparator(b));
  }

  private static boolean isSeparator(char c) {
    return c == '-' || c == '_' || c == '.';
  }
}
