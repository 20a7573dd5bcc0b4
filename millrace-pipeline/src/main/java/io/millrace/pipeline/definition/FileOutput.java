package io.millrace.pipeline.definition;

/**
 * Records are appended to rolling JSON Lines files in a directory: one line per record value. A
 * file is written as {@code NAME.inprogress} and renamed to {@code NAME} when it rolls (by size or
 * age) or the sink closes, so readers of final files never see partial writes.
 *
 * @param directory created when missing
 * @param prefix file names start with it
 * @param rollBytes a file rolls once it holds at least this many bytes
 * @param rollIntervalMs a file rolls once it is this old (checked when records arrive)
 */
public record FileOutput(
    String name,
    String directory,
    String prefix,
    long rollBytes,
    long rollIntervalMs,
    SourcePosition position)
    implements Output.SinkOutput {

  public static final long DEFAULT_ROLL_BYTES = 128L * 1024 * 1024;
  public static final long DEFAULT_ROLL_INTERVAL_MS = 3_600_000;
}
