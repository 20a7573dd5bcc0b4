package io.millrace.connect.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.spi.OffsetCommitPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.connect.ConfigProblem;
import io.millrace.connect.SourcePositionStore;
import io.millrace.log.Log;
import io.millrace.log.write.TopicWriter;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures every committed insert, update and delete of a PostgreSQL database into topics, one per
 * table, through Debezium's embedded engine and PostgreSQL's logical replication ({@code
 * pgoutput}). A consistent snapshot of the existing rows comes first when {@link SnapshotMode} says
 * so; then changes stream in commit order. See docs/cdc.md.
 *
 * <p>Delivery: at least once. A batch of change events is made durable in the topics before
 * Debezium may store its position (in the log, {@link LogOffsetBackingStore}) and confirm it to the
 * slot. A crash between the two makes the restarted source deliver that batch again: the duplicates
 * carry the same {@code source.lsn} (and {@code source.sequence}) as the first copies.
 *
 * <p>THREADING: Debezium's engine runs on a thread of this source ({@code millrace-cdc-NAME}) and
 * its own pools; log writes run on the writer thread ({@link CdcLogWriter}); the lag probe on a
 * virtual thread. {@link #start}, {@link #status} and {@link #close} may be called from any thread;
 * close is idempotent and waits for the engine to stop.
 */
public final class CdcSource implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CdcSource.class);
  private static final long CLOSE_TIMEOUT_MS = 30_000;
  static final long POSITION_INTERVAL_MS = 1_000;

  /** Where the source is. */
  public enum State {
    /** Created, not started. */
    NEW,
    /**
     * The engine is connecting (or reconnecting, after the database restarted), or reading the
     * tables' existing rows (snapshot).
     */
    STARTING,
    /**
     * Debezium's streaming connection is up and the snapshot, if any, is written: changes stream.
     */
    STREAMING,
    /** Stopped on request. */
    STOPPED,
    /** Stopped on an error it cannot retry (see the log and {@link Status#error}). */
    FAILED
  }

  /**
   * What {@code millrace cdc status} shows of a source.
   *
   * @param offsets the stored Debezium offsets (JSON), e.g. {@code lsn}, {@code txId}
   * @param lagBytes WAL bytes the slot keeps for this source; -1 if not measured yet
   * @param lagMs commit-to-topic time of the last change written; -1 before the first
   * @param lastCommitTsMs the commit time of the last change written; -1 before the first
   */
  public record Status(
      String name,
      State state,
      boolean snapshotting,
      long eventsWritten,
      long lagBytes,
      long lagMs,
      long lastCommitTsMs,
      JsonNode offsets,
      String error) {}

  private final CdcSourceConfig config;
  private final SourcePositionStore positions;
  private final ObjectMapper mapper;
  private final CdcMetrics metrics;
  private final CdcLogWriter writer;
  private final ChangeEventWriter consumer;
  private final ReplicationLagProbe lagProbe;
  private final DebeziumMetricsReader debeziumMetrics;
  private final CountDownLatch engineDone = new CountDownLatch(1);
  private volatile State state = State.NEW;
  private volatile String error;
  private volatile Map<String, String> lastStored; // the offsets last made durable, null before
  private volatile boolean closing;
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

  /**
   * @param positions where positions are kept ({@code __source_positions}), shared with other
   *     sources
   * @param writer the log writer shared with the other sources and HTTP push (one budget)
   * @throws IllegalArgumentException naming every problem of {@code config}
   */
  public CdcSource(
      CdcSourceConfig config,
      Log log,
      TopicWriter writer,
      SourcePositionStore positions,
      MeterRegistry registry,
      Clock clock) {
    ConfigProblem.requireNone(config.name(), config.validate());
    this.config = config;
    this.positions = positions;
    this.mapper = new ObjectMapper();
    this.metrics = new CdcMetrics(registry, config.name());
    this.writer =
        new CdcLogWriter(
            config.name(), log, writer, metrics, config.topicPartitions(), config.topicCompacted());
    this.consumer = new ChangeEventWriter(config, this.writer, metrics, clock);
    this.lagProbe = new ReplicationLagProbe(config, metrics);
    this.debeziumMetrics = new DebeziumMetricsReader(config.topicPrefix());
  }

  public String name() {
    return config.name();
  }

  public CdcSourceConfig config() {
    return config;
  }

  /** Starts the engine in the background and returns at once. */
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("source " + config.name() + " was started already");
    }
    LogOffsetBackingStore.bind(
        new LogOffsetBackingStore.Binding(
            config.name(), positions, writer, mapper, stored -> lastStored = stored));
    Properties properties = DebeziumProperties.of(config);
    engine =
        DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
            .using(properties)
            .using(OffsetCommitPolicy.periodic(properties))
            .using(this::onEngineDone)
            .using(new Callbacks())
            .notifying(consumer)
            .build();
    state = State.STARTING;
    Thread.ofPlatform().name("millrace-cdc-" + config.name()).start(this::runEngine);
    lagProbe.start();
  }

  private void runEngine() {
    try {
      engine.run();
    } catch (RuntimeException e) {
      onEngineDone(false, e.getMessage(), e);
    } finally {
      engineDone.countDown();
    }
  }

  private void onEngineDone(boolean success, String message, Throwable failure) {
    if (closing) {
      state = State.STOPPED;
      return;
    }
    if (success) {
      state = State.STOPPED;
      LOG.info("source {}: the capture engine stopped: {}", config.name(), message);
    } else {
      error = message + (failure == null ? "" : " (" + failure + ")");
      state = State.FAILED;
      metrics.failure("engine");
      LOG.error("source {}: capture stopped on an error: {}", config.name(), message, failure);
    }
  }

  private final class Callbacks implements DebeziumEngine.ConnectorCallback {
    @Override
    public void pollingStarted() {
      LOG.info("source {}: capturing changes", config.name());
    }
  }

  /** The source's state, for status output and tests. */
  public State state() {
    State current = state;
    if (current != State.STARTING) {
      return current;
    }
    // Debezium connects its streaming only once the snapshot (if any) is done; a batch being
    // written may still hold the snapshot's last rows
    return !consumer.lastWasSnapshot() && debeziumMetrics.streamingConnected()
        ? State.STREAMING
        : State.STARTING;
  }

  /** A snapshot of where the source is. */
  public Status status() {
    Map<String, String> stored = lastStored;
    if (stored == null) { // nothing stored since start: read the log (a scan, once in a while)
      stored = LogOffsetBackingStore.storedOffsets(positions, config.name());
    }
    JsonNode offsets = mapper.createObjectNode();
    if (!stored.isEmpty()) {
      JsonNode parsed = LogOffsetBackingStore.parse(mapper, stored.values().iterator().next());
      if (parsed != null) {
        offsets = parsed;
      }
    }
    State current = state();
    return new Status(
        config.name(),
        current,
        current == State.STARTING && consumer.lastWasSnapshot(),
        consumer.eventsWritten(),
        metrics.lagBytes.get(),
        metrics.lagMs.get(),
        consumer.lastCommitTsMs(),
        offsets,
        error);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
    }
    lagProbe.close();
    if (engine != null) {
      try {
        engine.close();
      } catch (IOException e) {
        LOG.warn("source {}: closing the capture engine failed: {}", config.name(), e.toString());
      }
      try {
        if (!engineDone.await(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
          LOG.warn("source {}: the capture engine did not stop within 30 s", config.name());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    writer.close();
    LogOffsetBackingStore.unbind(config.name());
    if (state != State.FAILED) {
      state = State.STOPPED;
    }
  }

  /** Debezium's properties for a configuration. */
  static final class DebeziumProperties {
    private DebeziumProperties() {}

    static Properties of(CdcSourceConfig config) {
      Properties p = new Properties();
      p.setProperty("name", config.name());
      p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
      p.setProperty("offset.storage", LogOffsetBackingStore.class.getName());
      p.setProperty(LogOffsetBackingStore.SOURCE_PROPERTY, config.name());
      // Positions are stored (and confirmed to the slot) at most this often, always only for
      // events already durable: a crash repeats at most this much. Fewer position writes, and
      // larger batches than Debezium's 2048, amortize the fsyncs per batch.
      p.setProperty("offset.flush.interval.ms", Long.toString(POSITION_INTERVAL_MS));
      p.setProperty("max.batch.size", "8192");
      // Debezium's default (500 ms) is the longest a change may wait in its queue for a batch
      p.setProperty("poll.interval.ms", "50");
      p.setProperty("max.queue.size", "32768");
      p.setProperty("offset.flush.timeout.ms", "60000");
      p.setProperty("database.hostname", config.hostname());
      p.setProperty("database.port", Integer.toString(config.port()));
      p.setProperty("database.dbname", config.database());
      p.setProperty("database.user", config.username());
      p.setProperty("database.password", config.password() == null ? "" : config.password());
      p.setProperty("topic.prefix", config.topicPrefix());
      p.setProperty("topic.heartbeat.prefix", "__debezium-heartbeat");
      p.setProperty("plugin.name", "pgoutput");
      p.setProperty("slot.name", config.slotName());
      p.setProperty("publication.name", config.publicationName());
      p.setProperty("publication.autocreate.mode", config.publicationAutocreate());
      p.setProperty("snapshot.mode", config.snapshotMode().debeziumName());
      p.setProperty("heartbeat.interval.ms", Long.toString(config.heartbeatIntervalMs()));
      p.setProperty("tombstones.on.delete", "true");
      p.setProperty("decimal.handling.mode", "string");
      // reconnect after the database restarts or the network drops: forever, with backoff
      p.setProperty("errors.max.retries", "-1");
      p.setProperty("errors.retry.delay.initial.ms", "300");
      p.setProperty("errors.retry.delay.max.ms", "10000");
      if (!config.tableIncludeList().isEmpty()) {
        p.setProperty("table.include.list", String.join(",", config.tableIncludeList()));
      }
      if (!config.tableExcludeList().isEmpty()) {
        p.setProperty("table.exclude.list", String.join(",", config.tableExcludeList()));
      }
      if (!config.columnExcludeList().isEmpty()) {
        p.setProperty("column.exclude.list", String.join(",", config.columnExcludeList()));
      }
      if (!config.columnMaskList().isEmpty()) {
        p.setProperty(
            "column.mask.with." + config.maskLength() + ".chars",
            String.join(",", config.columnMaskList()));
      }
      config.debeziumProperties().forEach(p::setProperty);
      return p;
    }
  }
}
