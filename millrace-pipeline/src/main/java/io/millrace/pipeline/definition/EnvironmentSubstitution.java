package io.millrace.pipeline.definition;

import java.util.Map;
import java.util.function.Function;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in YAML string values with environment
 * variables; {@code $${} writes a literal {@code ${}. Names are {@code [A-Za-z_][A-Za-z0-9_]*}.
 * Substitution happens on values only (never on keys), before anything else reads them, so a
 * substituted value is checked like a written one. Stateless and thread-safe.
 */
public final class EnvironmentSubstitution {

  /** Longest value a substitution may produce; a limit like any other. */
  static final int MAX_RESULT_LENGTH = 64 * 1024;

  private final Function<String, String> environment;

  /**
   * @param environment returns the variable's value or null when unset
   */
  public EnvironmentSubstitution(Function<String, String> environment) {
    this.environment = environment;
  }

  /** Substitution from the process environment. */
  public static EnvironmentSubstitution fromProcess() {
    return new EnvironmentSubstitution(System::getenv);
  }

  /** Substitution from a fixed map (tests, embedded use). */
  public static EnvironmentSubstitution from(Map<String, String> variables) {
    return new EnvironmentSubstitution(variables::get);
  }

  /** A failed substitution: an unset variable without default, or a malformed reference. */
  public static final class SubstitutionException extends Exception {
    private static final long serialVersionUID = 1L;

    SubstitutionException(String message) {
      super(message);
    }
  }

  static boolean hasReference(String text) {
    return text.contains("${");
  }

  /** The text with every reference replaced. */
  public String substitute(String text) throws SubstitutionException {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '$' && text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (c == '$' && text.startsWith("${", i)) {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          throw new SubstitutionException(
              "unclosed '${' in '" + text + "' (write $${ for a literal ${)");
        }
        out.append(resolve(text.substring(i + 2, end)));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
      if (out.length() > MAX_RESULT_LENGTH) {
        throw new SubstitutionException(
            "value longer than " + MAX_RESULT_LENGTH + " characters after substitution");
      }
    }
    return out.toString();
  }

  private String resolve(String reference) throws SubstitutionException {
    int dash = reference.indexOf(":-");
    String name = dash < 0 ? reference : reference.substring(0, dash);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new SubstitutionException(
          "'${" + reference + "}' is not a variable reference: names are letters, digits and _");
    }
    String value = environment.apply(name);
    if (value != null) {
      return value;
    }
    if (dash >= 0) {
      return reference.substring(dash + 2);
    }
    throw new SubstitutionException(
        "environment variable "
            + name
            + " is not set (write ${"
            + name
            + ":-default} to give a default)");
  }
}
