package io.millrace.server.cli;

import picocli.CommandLine;

/** Reports the version stamped in the jar manifest (or "development" when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = MillraceCli.class.getPackage().getImplementationVersion();
    return new String[] {
      "millrace " + (version == null ? "development build" : version),
      "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
