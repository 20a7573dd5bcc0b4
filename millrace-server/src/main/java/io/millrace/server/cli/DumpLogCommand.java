package io.millrace.server.cli;

import io.millrace.log.format.BatchScanner;
import io.millrace.log.segment.LogSegment;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code millrace dump-log FILE...}: prints the batches of segment files and where they stop being
 * valid, like Kafka's kafka-dump-log. Read-only: safe on a live data directory.
 */
@Command(
    name = "dump-log",
    mixinStandardHelpOptions = true,
    description = "Print the record batches of segment (.log) files and check their CRCs.")
final class DumpLogCommand implements Runnable {

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Segment files to read.")
  Path[] files;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    for (Path file : files) {
      if (!Files.isRegularFile(file)
          || !file.getFileName().toString().endsWith(LogSegment.LOG_SUFFIX)) {
        throw new CliException(file + " is not a segment (.log) file");
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        out.println("segment " + file + " (" + channel.size() + " bytes)");
        BatchScanner.Outcome outcome =
            new BatchScanner(Integer.MAX_VALUE)
                .scan(
                    channel,
                    0,
                    channel.size(),
                    0,
                    (position, size, baseOffset, lastOffset, maxTimestamp) ->
                        out.printf(
                            "  position %d size %d offsets %d-%d maxTimestamp %d%n",
                            position, size, baseOffset, lastOffset, maxTimestamp));
        if (outcome.problem() != null) {
          out.println(
              "  INVALID from position " + outcome.validEndPosition() + ": " + outcome.problem());
        } else {
          out.println("  valid to the end; next offset " + outcome.nextOffset());
        }
        out.flush();
      } catch (IOException e) {
        throw new CliException("cannot read " + file + ": " + e.getMessage());
      }
    }
  }
}
