package io.millrace.server.config;

import java.util.function.Function;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in configuration text with environment
 * variables. {@code $$} writes a literal {@code $}. Stateless and thread-safe.
 */
final class EnvironmentSubstitution {

  /** Thrown for a variable that is not set and has no default, or a malformed reference. */
  static final class SubstitutionException extends Exception {
    private static final long serialVersionUID = 1L;

    SubstitutionException(String message) {
      super(message, null, false, false);
    }
  }

  private final Function<String, String> environment;

  EnvironmentSubstitution(Function<String, String> environment) {
    this.environment = environment;
  }

  /** True if the text contains a reference to substitute. */
  static boolean hasReference(String text) {
    return text.indexOf('$') >= 0;
  }

  String substitute(String text) throws SubstitutionException {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '$' || i + 1 >= text.length()) {
        out.append(c);
        i++;
      } else if (text.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (text.charAt(i + 1) == '{') {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          throw new SubstitutionException("unclosed ${ in \"" + text + "\"");
        }
        out.append(resolve(text.substring(i + 2, end)));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private String resolve(String reference) throws SubstitutionException {
    int separator = reference.indexOf(":-");
    String name = separator < 0 ? reference : reference.substring(0, separator);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new SubstitutionException(
          "\"${" + reference + "}\" is not a variable reference (letters, digits and _)");
    }
    String value = environment.apply(name);
    if (value != null) {
      return value;
    }
    if (separator >= 0) {
      return reference.substring(separator + 2);
    }
    throw new SubstitutionException(
        "environment variable "
            + name
            + " is not set (write ${"
            + name
            + ":-default} for a default)");
  }
}
