package io.millrace.server.cli;

import io.millrace.server.MillraceServer;
import io.millrace.server.config.ServerConfig;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a server, lets the command do its start-up work, logs the ready line, and runs until
 * SIGTERM or SIGINT, then shuts down cleanly so the next start skips the recovery scan.
 */
final class ServerRunner {

  /** Work done once the server is up, before the ready line (e.g. deploying pipelines). */
  interface StartupStep {
    void run(MillraceServer server);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ServerRunner.class);

  private ServerRunner() {}

  static void runUntilStopped(ServerConfig config, StartupStep startup) {
    long startNanos = System.nanoTime();
    MillraceServer server;
    try {
      server = MillraceServer.start(config);
    } catch (IOException e) {
      throw new CliException(e.getMessage());
    }
    try {
      startup.run(server);
    } catch (RuntimeException e) {
      closeQuietly(server);
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread shutdown =
        new Thread(
            () -> {
              try {
                server.close();
              } catch (Exception e) {
                LOG.error("shutdown failed", e);
              } finally {
                stopped.countDown();
              }
            },
            "millrace-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    int pipelines = server.pipelines().list().size();
    LOG.info(
        "Millrace ready in {} ms: Kafka on {}:{}, HTTP on {}:{}, {} source{}, {} pipeline{},"
            + " data in {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        config.kafka().bindHost(),
        server.kafkaPort(),
        server.httpHost(),
        server.httpPort(),
        server.sourceCount(),
        server.sourceCount() == 1 ? "" : "s",
        pipelines,
        pipelines == 1 ? "" : "s",
        config.dataDirectory().toAbsolutePath());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(MillraceServer server) {
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing the server after a failed start failed", e);
    }
  }
}
