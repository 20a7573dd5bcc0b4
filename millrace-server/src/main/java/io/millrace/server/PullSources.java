package io.millrace.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.connect.PollingSource;
import io.millrace.connect.SourceRunner;
import io.millrace.connect.SourceScheduler;
import io.millrace.connect.SourceSettings;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.Log;
import io.millrace.log.LogException;
import io.millrace.log.write.TopicWriter;
import io.millrace.server.config.SourceDefinition;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull sources declared in millrace.yaml, run by one {@link SourceScheduler} writing through
 * the server's {@link TopicWriter}. {@link #prepare} checks (or creates) their topics before any
 * listener starts, so a missing topic stops the server before it binds a port; {@link #start}
 * starts them once the listeners are up. A source that fails later stops alone (state FAILED, one
 * log line): it never takes the server down.
 *
 * <p>Threads: the scheduler owns one virtual thread per source. {@link #start} and {@link #close}
 * are called by the server's owner; close is idempotent and stops every source first, before the
 * listeners and the log close.
 */
final class PullSources implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PullSources.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final List<SourceDefinition> definitions;
  private final SourceScheduler scheduler; // null without sources

  private PullSources(List<SourceDefinition> definitions, SourceScheduler scheduler) {
    this.definitions = definitions;
    this.scheduler = scheduler;
  }

  /**
   * Makes sure every source's topic exists: a missing one is created (with {@code
   * kafka.default_partitions}) when {@code kafka.auto_create_topics} is on, as a Kafka producer
   * would find it, and refused otherwise.
   *
   * @param registry the server's metrics registry, asked for only when there are sources
   * @throws IOException naming the source and the topic when the topic is missing and may not be
   *     created
   */
  static PullSources prepare(
      Log log,
      TopicWriter writer,
      List<SourceDefinition> definitions,
      KafkaListenerConfig kafka,
      Supplier<? extends MeterRegistry> registry)
      throws IOException {
    if (definitions.isEmpty()) {
      return new PullSources(definitions, null); // and the registry stays unbuilt
    }
    for (SourceDefinition definition : definitions) {
      ensureTopic(log, definition.settings(), kafka);
    }
    return new PullSources(
        definitions, new SourceScheduler(log, writer, registry.get(), CLOSE_TIMEOUT));
  }

  private static void ensureTopic(Log log, SourceSettings settings, KafkaListenerConfig kafka)
      throws IOException {
    if (log.describeTopic(settings.topic()).isPresent()) {
      return;
    }
    if (!kafka.autoCreateTopics()) {
      throw new IOException(
          "source "
              + settings.name()
              + ": topic "
              + settings.topic()
              + " does not exist; create it (millrace topic create "
              + settings.topic()
              + ") or set kafka.auto_create_topics: true");
    }
    try {
      log.createTopic(settings.topic(), kafka.defaultPartitions(), Map.of());
      LOG.info(
          "created topic {} ({} partitions) for source {} (kafka.auto_create_topics)",
          settings.topic(),
          kafka.defaultPartitions(),
          settings.name());
    } catch (LogException e) {
      throw new IOException(
          "source "
              + settings.name()
              + ": cannot create topic "
              + settings.topic()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Starts every source; one that cannot start is logged and skipped, the others still run. */
  void start() {
    for (SourceDefinition definition : definitions) {
      String name = definition.settings().name();
      PollingSource source = null;
      try {
        source = definition.open(new ObjectMapper());
        scheduler.start(source, definition.settings());
      } catch (RuntimeException e) {
        LOG.error("source {} did not start: {}", name, e.getMessage(), e);
        closeQuietly(source);
      }
    }
  }

  int count() {
    return definitions.size();
  }

  /** The named source's state, or null if it is not running. */
  SourceRunner.State state(String name) {
    return scheduler == null ? null : scheduler.state(name);
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.close();
    }
  }

  private static void closeQuietly(PollingSource source) {
    if (source == null) {
      return;
    }
    try {
      source.close();
    } catch (Exception e) {
      LOG.warn("closing source {} failed: {}", source.name(), e.toString());
    }
  }
}
