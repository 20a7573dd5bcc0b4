package io.millrace.server.config;

import java.nio.file.Path;

/**
 * The settings given as {@code millrace server} flags; null for a flag not given. Flags win over
 * the file. Immutable.
 */
public record CommandLineOverrides(Path dataDirectory, Integer kafkaPort, Integer httpPort) {

  public static final CommandLineOverrides NONE = new CommandLineOverrides(null, null, null);
}
