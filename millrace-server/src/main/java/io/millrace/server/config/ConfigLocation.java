package io.millrace.server.config;

/**
 * Where a setting came from: a position in a configuration file, or a command-line flag. Immutable.
 *
 * @param source the file name as the user gave it, or the flag (for example {@code --http-port})
 * @param line 1-based line in the file; 0 for a flag
 * @param column 1-based column in the file; 0 for a flag
 */
public record ConfigLocation(String source, int line, int column) {

  /** A setting given on the command line. */
  public static ConfigLocation flag(String flag) {
    return new ConfigLocation(flag, 0, 0);
  }

  public boolean isFlag() {
    return line == 0;
  }

  /** {@code file:line:column}, or the flag name, as compilers print positions. */
  @Override
  public String toString() {
    return isFlag() ? source : source + ":" + line + ":" + column;
  }
}
