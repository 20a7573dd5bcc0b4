package io.millrace.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code millrace} command: entry point of the runnable jar. */
@Command(
    name = "millrace",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Millrace: the whole streaming data pipeline in one JVM process.",
    subcommands = {
      ServerCommand.class,
      RunCommand.class,
      TopicCommand.class,
      ProduceCommand.class,
      ConsumeCommand.class,
      DumpLogCommand.class,
      PipelineCommand.class,
      DlqCommand.class,
      CdcCommand.class,
      ViewCommand.class,
      CommandLine.HelpCommand.class
    })
public final class MillraceCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code (for tests). */
  public static int execute(String... args) {
    return new CommandLine(new MillraceCli())
        .setExecutionExceptionHandler(new ErrorHandler())
        .execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Prints a one-line error for failures users can act on, a stack trace for the rest. */
  private static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
      if (e instanceof CliException || e instanceof IllegalStateException) {
        commandLine.getErr().println("millrace: " + e.getMessage());
        return 1;
      }
      commandLine.getErr().println("millrace: unexpected failure: " + e);
      e.printStackTrace(commandLine.getErr());
      return 2;
    }
  }
}
