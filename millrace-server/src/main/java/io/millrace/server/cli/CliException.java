package io.millrace.server.cli;

/** A failure the user caused and can fix; printed as one line without a stack trace. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }
}
