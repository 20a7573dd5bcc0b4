package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.Batches;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchCompactorTest {

  private static final long NOW = 1_000_000L;
  private static final long DELETE_RETENTION_MS = 5_000L;

  private final BatchCompactor compactor = new BatchCompactor();
  private final Map<ByteBuffer, Long> latest = new HashMap<>();

  /** A stamped batch at {@code baseOffset}: records key/value pairs (value null for tombstone). */
  private static ByteBuffer batch(Codec codec, long baseOffset, String... keysAndValues) {
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      String value = keysAndValues[i + 1];
      records.add(
          new BatchBuilder.NewRecord(
              100 + i,
              Batches.bytes(keysAndValues[i]),
              value == null ? null : Batches.bytes(value)));
    }
    ByteBuffer batch = BatchBuilder.build(codec, records);
    BatchStamper.stamp(batch, baseOffset, BatchStamper.KEEP_CREATE_TIME);
    return batch;
  }

  private void latest(String key, long offset) {
    latest.put(ByteBuffer.wrap(Batches.bytes(key)), offset);
  }

  private ByteBuffer compact(ByteBuffer batch, long nowMs) {
    return compactor.compact(
        batch, key -> latest.getOrDefault(key, -1L), nowMs, DELETE_RETENTION_MS);
  }

  private static MutableRecordBatch view(ByteBuffer batch) {
    return MemoryRecords.readableRecords(batch.duplicate()).batches().iterator().next();
  }

  @Test
  void shouldVisitEveryKeyWithItsOffset() {
    ByteBuffer batch = batch(Codec.ZSTD, 10, "a", "1", "b", "2", "a", "3");
    List<String> visited = new ArrayList<>();

    compactor.forEachKey(
        batch, (key, offset) -> visited.add(Batches.text(LogRecord.bytesOf(key)) + "@" + offset));

    assertThat(visited).containsExactly("a@10", "b@11", "a@12");
  }

  @Test
  void shouldReturnTheSameBufferWhenEveryRecordIsTheLatest() {
    ByteBuffer batch = batch(Codec.NONE, 0, "a", "1", "b", "2");
    latest("a", 0);
    latest("b", 1);

    assertThat(compact(batch, NOW)).isSameAs(batch);
  }

  @Test
  void shouldKeepKeysTheMapDoesNotKnow() {
    ByteBuffer batch = batch(Codec.NONE, 0, "a", "1");

    assertThat(compact(batch, NOW)).isSameAs(batch);
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldDropRecordsWithALaterOffsetForTheirKeyAndKeepOffsets(Codec codec) {
    ByteBuffer batch = batch(codec, 20, "a", "1", "b", "2", "a", "3", "c", "4");
    latest("a", 22);
    latest("b", 99);
    latest("c", 23);

    ByteBuffer kept = compact(batch, NOW);

    assertThat(kept).isNotSameAs(batch);
    assertThat(RecordBatches.records(kept))
        .extracting(r -> r.offset() + "=" + Batches.text(r.key()) + ":" + Batches.text(r.value()))
        .containsExactly("22=a:3", "23=c:4");
    assertThat(RecordBatches.records(kept))
        .extracting(LogRecord::timestamp)
        .containsExactly(104L, 106L);
    MutableRecordBatch view = view(kept);
    assertThat(view.isValid()).isTrue();
    assertThat((int) view.compressionType().id).isEqualTo(codec.id());
    assertThat(view.lastOffset()).isEqualTo(23);
    assertThat(view.deleteHorizonMs()).isEmpty();
  }

  @Test
  void shouldReturnNullWhenNoRecordIsLeft() {
    ByteBuffer batch = batch(Codec.NONE, 0, "a", "1", "b", "2");
    latest("a", 5);
    latest("b", 6);

    assertThat(compact(batch, NOW)).isNull();
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldSetTheDeleteHorizonTheFirstTimeATombstoneIsKept(Codec codec) {
    ByteBuffer batch = batch(codec, 0, "a", null, "b", "2");

    ByteBuffer kept = compact(batch, NOW);

    MutableRecordBatch view = view(kept);
    assertThat(view.deleteHorizonMs()).hasValue(NOW + DELETE_RETENTION_MS);
    assertThat(view.isValid()).isTrue();
    assertThat(RecordBatches.records(kept))
        .extracting(r -> r.offset() + ":" + Batches.text(r.value()) + "@" + r.timestamp())
        .containsExactly("0:null@100", "1:2@102");
  }

  @Test
  void shouldKeepTheTombstoneUntilTheHorizonPassesThenDropIt() {
    ByteBuffer first = compact(batch(Codec.NONE, 0, "a", null, "b", "2"), NOW);

    ByteBuffer beforeHorizon = compact(first, NOW + DELETE_RETENTION_MS - 1);
    ByteBuffer atHorizon = compact(first, NOW + DELETE_RETENTION_MS);

    assertThat(beforeHorizon).isSameAs(first);
    assertThat(RecordBatches.records(atHorizon)).extracting(LogRecord::offset).containsExactly(1L);
  }

  @Test
  void shouldDropTheWholeBatchWhenOnlyExpiredTombstonesAreLeft() {
    ByteBuffer first = compact(batch(Codec.GZIP, 0, "a", null), NOW);

    assertThat(compact(first, NOW + DELETE_RETENTION_MS)).isNull();
  }

  @Test
  void shouldDropATombstoneSupersededByALaterRecordAtOnce() {
    ByteBuffer batch = batch(Codec.NONE, 0, "a", null, "b", "1");
    latest("a", 9);

    ByteBuffer kept = compact(batch, NOW);

    assertThat(RecordBatches.records(kept)).extracting(LogRecord::offset).containsExactly(1L);
    assertThat(view(kept).deleteHorizonMs()).isEmpty();
  }

  @Test
  void shouldKeepLogAppendTimeWhenRebuilding() {
    ByteBuffer batch = batch(Codec.NONE, 0, "a", "1", "a", "2");
    // Stamp as a log-append-time topic would.
    BatchStamper.stamp(batch, 0, 777_000L);
    latest("a", 1);

    ByteBuffer kept = compact(batch, NOW);

    MutableRecordBatch view = view(kept);
    assertThat(view.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    assertThat(view.maxTimestamp()).isEqualTo(777_000L);
    assertThat(RecordBatches.records(kept))
        .extracting(LogRecord::timestamp)
        .containsExactly(777_000L);
  }

  @Test
  void shouldKeepHeadersWhenRebuilding() {
    ByteBuffer batch =
        BatchBuilder.build(
            Codec.NONE,
            List.of(
                new BatchBuilder.NewRecord(1, Batches.bytes("a"), Batches.bytes("old")),
                new BatchBuilder.NewRecord(
                    2,
                    Batches.bytes("b"),
                    Batches.bytes("new"),
                    List.of(new LogRecord.Header("trace", Batches.bytes("t1"))))));
    latest("a", 5);

    ByteBuffer kept = compact(batch, NOW);

    assertThat(RecordBatches.records(kept).get(0).headers())
        .containsExactly(new LogRecord.Header("trace", Batches.bytes("t1")));
  }
}
