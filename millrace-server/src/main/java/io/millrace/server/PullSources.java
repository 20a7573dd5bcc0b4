package io.millrace.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.connect.PollingSource;
import io.millrace.connect.SourcePositionStore;
import io.millrace.connect.SourceRunner;
import io.millrace.connect.SourceScheduler;
import io.millrace.connect.SourceSettings;
import io.millrace.connect.cdc.CdcSource;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.Log;
import io.millrace.log.LogException;
import io.millrace.log.write.TopicWriter;
import io.millrace.server.config.SourceDefinition;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sources declared in millrace.yaml: the polling ones run by one {@link SourceScheduler}, the
 * change data capture ones each by its {@link CdcSource}, all writing through the server's {@link
 * TopicWriter}. {@link #prepare} checks (or creates) their topics before any listener starts, so a
 * missing topic stops the server before it binds a port; {@link #start} starts them once the
 * listeners are up. A source that fails later stops alone (state FAILED, one log line): it never
 * takes the server down.
 *
 * <p>Threads: {@link #start} hands the work to one virtual thread ({@code millrace-sources-start})
 * and returns at once, because building the metrics registry, the JSON mapper and each source's
 * HTTP client or JDBC driver costs hundreds of milliseconds that the "ready" line should not wait
 * for. The scheduler then owns one virtual thread per source. {@link #close} (idempotent) waits for
 * that start to finish, then stops every source; the server closes this first, before the listeners
 * and the log. The monitor of this object guards {@code scheduler} and {@code closed}.
 */
final class PullSources implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PullSources.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final Log log;
  private final TopicWriter writer;
  private final List<SourceDefinition> definitions;
  private final Supplier<? extends MeterRegistry> registry;
  private SourceScheduler scheduler; // null until started
  private final List<CdcSource> cdcSources = new ArrayList<>();
  private boolean closed;

  private PullSources(
      Log log,
      TopicWriter writer,
      List<SourceDefinition> definitions,
      Supplier<? extends MeterRegistry> registry) {
    this.log = log;
    this.writer = writer;
    this.definitions = definitions;
    this.registry = registry;
  }

  /**
   * Makes sure every source's topic exists: a missing one is created (with {@code
   * kafka.default_partitions}) when {@code kafka.auto_create_topics} is on, as a Kafka producer
   * would find it, and refused otherwise.
   *
   * @param registry the server's metrics registry, asked for only when a source starts
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
    for (SourceDefinition definition : definitions) {
      if (definition instanceof SourceDefinition.Polling polling) {
        ensureTopic(log, polling.settings(), kafka);
      } // a CDC source creates a table's topic when its first change arrives
    }
    return new PullSources(log, writer, definitions, registry);
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

  /**
   * Starts every source in the background and returns at once; one that cannot start is logged and
   * skipped, the others still run. Without sources, does nothing.
   */
  void start() {
    if (!definitions.isEmpty()) {
      Thread.ofVirtual().name("millrace-sources-start").start(this::startAll);
    }
  }

  private synchronized void startAll() {
    if (closed) {
      return;
    }
    scheduler = new SourceScheduler(log, writer, registry.get(), CLOSE_TIMEOUT);
    ObjectMapper mapper = new ObjectMapper();
    SourcePositionStore positions = null;
    for (SourceDefinition definition : definitions) {
      switch (definition) {
        case SourceDefinition.Polling polling -> startPolling(polling, mapper);
        case SourceDefinition.Cdc cdc -> {
          if (positions == null) {
            positions = new SourcePositionStore(log, writer, mapper);
          }
          startCdc(cdc, positions);
        }
      }
    }
  }

  private void startPolling(SourceDefinition.Polling definition, ObjectMapper mapper) {
    PollingSource source = null;
    try {
      source = definition.open(mapper);
      scheduler.start(source, definition.settings());
    } catch (RuntimeException e) {
      LOG.error("source {} did not start: {}", definition.name(), e.getMessage(), e);
      closeQuietly(source);
    }
  }

  private void startCdc(SourceDefinition.Cdc definition, SourcePositionStore positions) {
    try {
      CdcSource source =
          new CdcSource(
              definition.config(), log, writer, positions, registry.get(), Clock.systemUTC());
      cdcSources.add(source);
      source.start();
    } catch (RuntimeException e) {
      LOG.error("source {} did not start: {}", definition.name(), e.getMessage(), e);
    }
  }

  /**
   * What {@code GET /sources} shows: every source in file order with its type and state, and for
   * CDC sources their position and lag. A source not started yet shows state {@code NEW}.
   */
  synchronized List<Map<String, Object>> statuses() {
    List<Map<String, Object>> all = new ArrayList<>();
    for (SourceDefinition definition : definitions) {
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("name", definition.name());
      switch (definition) {
        case SourceDefinition.Http http -> status.put("type", "http");
        case SourceDefinition.Jdbc jdbc -> status.put("type", "jdbc");
        case SourceDefinition.Cdc cdc -> status.put("type", "cdc");
      }
      if (definition instanceof SourceDefinition.Polling) {
        SourceRunner.State state = state(definition.name());
        status.put("state", state == null ? "NEW" : state.name());
      } else {
        CdcSource.Status cdc = cdcStatus(definition.name());
        status.put("state", cdc == null ? "NEW" : cdc.state().name());
        if (cdc != null) {
          status.put("snapshotting", cdc.snapshotting());
          status.put("events_written", cdc.eventsWritten());
          status.put("lag_bytes", cdc.lagBytes());
          status.put("lag_ms", cdc.lagMs());
          status.put("last_commit_ts_ms", cdc.lastCommitTsMs());
          status.put("position", cdc.offsets());
          status.put("error", cdc.error());
        }
      }
      all.add(status);
    }
    return all;
  }

  private CdcSource.Status cdcStatus(String name) {
    for (CdcSource source : cdcSources) {
      if (source.name().equals(name)) {
        return source.status();
      }
    }
    return null;
  }

  int count() {
    return definitions.size();
  }

  /** The named source's state, or null if it has not started. */
  synchronized SourceRunner.State state(String name) {
    return scheduler == null ? null : scheduler.state(name);
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (CdcSource source : cdcSources) {
      source.close(); // stops its engine; logs, never throws
    }
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
