package io.millrace.server.config;

/**
 * One thing wrong with the configuration. Immutable.
 *
 * @param location where the bad setting is
 * @param setting the setting's dotted path (for example {@code kafka.port}), or empty for the file
 *     as a whole
 * @param rule what is wrong, as a rule the user can act on
 */
public record ConfigProblem(ConfigLocation location, String setting, String rule) {

  /** {@code millrace.yaml:3:9: kafka.port: must be between 0 and 65535, was 70000}. */
  public String message() {
    return setting.isEmpty() ? location + ": " + rule : location + ": " + setting + ": " + rule;
  }
}
