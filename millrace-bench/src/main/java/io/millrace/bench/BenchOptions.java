package io.millrace.bench;

import java.util.Map;

/** The {@code --name value} options of the command-line benchmark tools. Stateless. */
public final class BenchOptions {

  private BenchOptions() {}

  /**
   * Overwrites entries of {@code defaults} (which lists every option the tool knows, in order) with
   * the values given in {@code args}; prints the usage and exits with status 2 on anything else.
   */
  public static Map<String, String> parse(
      String tool, Map<String, String> defaults, String[] args) {
    for (int i = 0; i < args.length; i++) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (name == null || !defaults.containsKey(name) || i + 1 >= args.length) {
        System.err.println("usage: " + tool + " " + usage(defaults));
        System.exit(2);
      }
      defaults.put(name, args[++i]);
    }
    return defaults;
  }

  private static String usage(Map<String, String> defaults) {
    StringBuilder usage = new StringBuilder();
    defaults.forEach(
        (name, value) -> usage.append("[--").append(name).append(' ').append(value).append("] "));
    return usage.toString().trim();
  }
}
