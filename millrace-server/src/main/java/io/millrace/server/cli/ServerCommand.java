package io.millrace.server.cli;

import io.millrace.kafka.KafkaListener;
import io.millrace.kafka.KafkaListenerConfig;
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
      "Start Millrace on a data directory and run until stopped (SIGTERM or Ctrl-C):",
      "the log (recovery, retention, compaction) and the Kafka listener."
    })
final class ServerCommand implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @Option(
      names = "--data-dir",
      defaultValue = "data",
      description = "Directory for all data (default: ${DEFAULT-VALUE}).")
  Path dataDirectory;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Port of the Kafka listener on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  private static void closeQuietly(Log log) {
    try {
      log.close();
    } catch (java.io.IOException e) {
      LOG.warn("closing the log failed: {}", e.toString());
    }
  }

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
    KafkaListener kafka;
    try {
      kafka = KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(kafkaPort));
    } catch (java.io.IOException | IllegalArgumentException e) {
      closeQuietly(log);
      throw new CliException(e.getMessage());
    }
    Thread shutdown =
        new Thread(
            () -> {
              try {
                kafka.close();
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
        "Millrace ready in {} ms: Kafka on 127.0.0.1:{}, data in {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        kafka.port(),
        dataDirectory.toAbsolutePath());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
