package io.millrace.server.cli;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code millrace server}: opens the data directory and runs until SIGTERM or SIGINT, then shuts
 * down cleanly so the next start skips the recovery scan.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Start Millrace on a data directory and run until stopped (SIGTERM or Ctrl-C).",
      "Today this runs the storage layer: recovery, retention and compaction. The Kafka",
      "listener and the HTTP API are not part of this build yet."
    })
final class ServerCommand implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @Option(
      names = "--data-dir",
      defaultValue = "data",
      description = "Directory for all data (default: ${DEFAULT-VALUE}).")
  Path dataDirectory;

  @Override
  public void run() {
    long startNanos = System.nanoTime();
    CountDownLatch stopped = new CountDownLatch(1);
    Log log;
    try {
      log = Log.open(LogOptions.defaults(dataDirectory.toAbsolutePath()));
    } catch (java.io.IOException e) {
      throw new CliException("cannot open data directory " + dataDirectory + ": " + e.getMessage());
    }
    Thread shutdown =
        new Thread(
            () -> {
              try {
                log.close();
              } catch (Exception e) {
                LOG.error("shutdown failed", e);
              } finally {
                stopped.countDown();
              }
            },
            "millrace-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    LOG.info(
        "Millrace ready in {} ms (data directory {})",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        dataDirectory.toAbsolutePath());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
