package io.millrace.connect.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.millrace.log.format.LogRecord;
import io.millrace.log.write.WriteRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's change consumer: turns each batch of change events into records of the tables' topics,
 * makes them durable through the {@link CdcLogWriter}, and only then marks them processed and the
 * batch finished. Marking the batch finished is what lets Debezium store the offsets (in the log,
 * see {@link LogOffsetBackingStore}) and then confirm the LSN to the replication slot: until this
 * method returns, the slot keeps the WAL of every change in the batch. When the log back-pressures,
 * this method waits, Debezium's queue fills, and the connector stops reading WAL.
 *
 * <p>Heartbeat events are not written anywhere; they are marked processed so that their position is
 * stored and confirmed (that is how an idle table stops pinning WAL). A delete is followed by
 * Debezium's tombstone (same key, null value), written as a record with a null value.
 *
 * <p>THREADING: {@link #handleBatch} runs on Debezium's record thread, one batch at a time; the
 * writes run on the writer thread. The status fields are volatile, read by any thread.
 */
final class ChangeEventWriter
    implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

  static final String HEADER_SOURCE = "millrace-source";

  private final CdcSourceConfig config;
  private final CdcLogWriter writer;
  private final CdcMetrics metrics;
  private final Clock clock;
  private final String dataTopicPrefix;
  private final List<LogRecord.Header> headers;
  private final ChangeEventJson json = new ChangeEventJson();

  private volatile long lastCommitTsMs = -1;
  private volatile boolean lastWasSnapshot;
  private volatile long eventsWritten;

  ChangeEventWriter(CdcSourceConfig config, CdcLogWriter writer, CdcMetrics metrics, Clock clock) {
    this.config = config;
    this.writer = writer;
    this.metrics = metrics;
    this.clock = clock;
    this.dataTopicPrefix = config.topicPrefix() + ".";
    this.headers =
        List.of(
            new LogRecord.Header(HEADER_SOURCE, config.name().getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public boolean supportsTombstoneEvents() {
    return true;
  }

  @Override
  public void handleBatch(
      List<RecordChangeEvent<SourceRecord>> events,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    Map<String, List<WriteRecord>> byTopic = new LinkedHashMap<>();
    long batchCommitTsMs = -1;
    boolean snapshot = lastWasSnapshot;
    int count = 0;
    for (RecordChangeEvent<SourceRecord> event : events) {
      SourceRecord record = event.record();
      String topic = targetTopic(record.topic());
      if (topic == null) {
        continue; // a heartbeat (or another Debezium topic): position only
      }
      byte[] key = json.toJson(record.keySchema(), record.key());
      byte[] value = null;
      if (record.value() instanceof Struct envelope) {
        value = json.envelopeToJson(envelope);
        Struct source = envelope.getStruct("source");
        if (source != null) {
          Object tsMs = source.get("ts_ms");
          if (tsMs instanceof Long ts) {
            batchCommitTsMs = ts;
          }
          Object snapshotFlag = source.get("snapshot");
          String flag = snapshotFlag == null ? "false" : snapshotFlag.toString();
          snapshot = !"false".equals(flag) && !"last".equals(flag);
        }
      }
      byTopic
          .computeIfAbsent(topic, t -> new ArrayList<>())
          .add(new WriteRecord(WriteRecord.ANY_PARTITION, key, value, headers, WriteRecord.NOW));
      count++;
    }
    if (!byTopic.isEmpty()) {
      writer.call(
          () -> {
            writer.writeDurably(byTopic);
            return null;
          });
    }
    if (batchCommitTsMs >= 0) {
      lastCommitTsMs = batchCommitTsMs;
      metrics.lagMs.set(Math.max(0, clock.millis() - batchCommitTsMs));
    }
    lastWasSnapshot = snapshot;
    eventsWritten += count;
    for (RecordChangeEvent<SourceRecord> event : events) {
      committer.markProcessed(event);
    }
    committer.markBatchFinished();
  }

  /** The Millrace topic of a Debezium topic ({@code prefix.schema.table}); null if not a table. */
  String targetTopic(String debeziumTopic) {
    if (debeziumTopic == null || !debeziumTopic.startsWith(dataTopicPrefix)) {
      return null;
    }
    String rest = debeziumTopic.substring(dataTopicPrefix.length());
    int dot = rest.indexOf('.');
    if (dot <= 0 || dot == rest.length() - 1) {
      return null;
    }
    return config.topicFor(rest.substring(0, dot), rest.substring(dot + 1));
  }

  long lastCommitTsMs() {
    return lastCommitTsMs;
  }

  boolean lastWasSnapshot() {
    return lastWasSnapshot;
  }

  long eventsWritten() {
    return eventsWritten;
  }
}
