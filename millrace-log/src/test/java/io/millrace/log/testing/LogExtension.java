package io.millrace.log.testing;

import io.millrace.common.ManualClock;
import io.millrace.log.FlushPolicy;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.TopicConfig;
import io.millrace.log.segment.Io;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A data directory, a hand-driven clock and the logs a test opens on them; every log still open is
 * closed after the test and the directory removed. Register with {@code @RegisterExtension}.
 *
 * <p>Topics default to flush.policy=os so that appends are acknowledged at once under the manual
 * clock (group commit waits for flush.interval.ms of manual time); deleted segment files go at
 * once.
 */
public final class LogExtension implements AfterEachCallback {

  /** Where the manual clock starts: a plausible wall-clock time, so timestamps look real. */
  public static final long START_MS = 1_700_000_000_000L;

  private final ManualClock clock = new ManualClock(START_MS);
  private final List<Log> opened = new ArrayList<>();
  private Path dataDirectory;

  public ManualClock clock() {
    return clock;
  }

  public Path dataDirectory() {
    if (dataDirectory == null) {
      try {
        dataDirectory = Files.createTempDirectory("millrace-log-test");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return dataDirectory;
  }

  /** The directory of a partition's segments. */
  public Path partitionDirectory(String topic, int partition) {
    return dataDirectory().resolve("topics").resolve(topic).resolve(Integer.toString(partition));
  }

  /** The options of the logs this extension opens, on its directory and clock. */
  public LogOptions options() {
    return options(dataDirectory());
  }

  public LogOptions options(Path directory) {
    return LogOptions.defaults(directory)
        .withClock(clock)
        .withFileDeleteDelayMs(0)
        .withTopicDefaults(
            TopicConfig.DEFAULTS.with(
                Map.of(TopicConfig.FLUSH_POLICY, FlushPolicy.OS.configName()),
                TopicConfig.DEFAULTS));
  }

  public Log open() throws IOException {
    return open(options());
  }

  public Log open(LogOptions options) throws IOException {
    Log log = Log.open(options);
    opened.add(log);
    return log;
  }

  /** Closes {@code log} cleanly and opens its directory again. */
  public Log reopen(Log log) throws IOException {
    log.close();
    return open(log.options());
  }

  /**
   * Copies the data directory of a log that is still open, as a crash would leave it (no clean
   * shutdown marker), to a new directory, and returns it.
   */
  public Path crashCopy() throws IOException {
    return crashCopy(dataDirectory());
  }

  /** Like {@link #crashCopy()}, for a log open on another directory (an earlier crash copy). */
  public Path crashCopy(Path dataDirectory) throws IOException {
    Path copy = Files.createTempDirectory("millrace-log-crash");
    Files.delete(copy);
    FileDamage.copyTree(dataDirectory, copy);
    toDelete.add(copy);
    return copy;
  }

  private final List<Path> toDelete = new ArrayList<>();

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception failure = null;
    for (Log log : opened) {
      try {
        log.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (dataDirectory != null) {
      toDelete.add(dataDirectory);
    }
    for (Path directory : toDelete) {
      Io.deleteRecursively(directory);
    }
    if (failure != null) {
      throw failure;
    }
  }
}
