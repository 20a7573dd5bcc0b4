package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.Batches;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchStamperTest {

  @Test
  void shouldAssignConsecutiveOffsetsAcrossBatches() {
    ByteBuffer batches =
        Batches.concat(
            Batches.numbered(0, 2, 1000),
            Batches.numbered(0, 1, 1000),
            Batches.withTimestamps(Codec.LZ4, 1, 2, 3));

    long next = BatchStamper.stamp(batches, 100, BatchStamper.KEEP_CREATE_TIME);

    assertThat(next).isEqualTo(106);
    assertThat(RecordBatches.records(batches))
        .extracting(LogRecord::offset)
        .containsExactly(100L, 101L, 102L, 103L, 104L, 105L);
    assertThat(new BatchValidator().validate(batches, 1 << 20, false).isValid()).isTrue();
  }

  @Test
  void shouldOnlyStampBetweenPositionAndLimit() {
    ByteBuffer first = Batches.numbered(0, 2, 1000);
    ByteBuffer buffer = Batches.concat(first, Batches.numbered(0, 3, 1000));
    buffer.position(first.remaining());

    long next = BatchStamper.stamp(buffer, 50, BatchStamper.KEEP_CREATE_TIME);

    assertThat(next).isEqualTo(53);
    assertThat(BatchLayout.baseOffset(buffer, 0)).isZero();
    assertThat(BatchLayout.baseOffset(buffer, first.remaining())).isEqualTo(50);
  }

  @Test
  void shouldClearTheProducersPartitionLeaderEpoch() {
    ByteBuffer batch = Batches.numbered(0, 1, 1000);
    batch.putInt(BatchLayout.PARTITION_LEADER_EPOCH, 42);

    BatchStamper.stamp(batch, 0, BatchStamper.KEEP_CREATE_TIME);

    assertThat(batch.getInt(BatchLayout.PARTITION_LEADER_EPOCH)).isZero();
  }

  @Test
  void shouldLeaveEverythingTheCrcCoversUntouchedForCreateTime() {
    ByteBuffer batch = Batches.withTimestamps(Codec.NONE, 10, 30, 20);
    ByteBuffer before = Batches.copy(batch);

    BatchStamper.stamp(batch, 7, BatchStamper.KEEP_CREATE_TIME);

    assertThat(batch.slice(BatchLayout.CRC, batch.limit() - BatchLayout.CRC))
        .isEqualTo(before.slice(BatchLayout.CRC, before.limit() - BatchLayout.CRC));
    assertThat(RecordBatches.records(batch))
        .extracting(LogRecord::timestamp)
        .containsExactly(10L, 30L, 20L);
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldWriteLogAppendTimeWithAValidCrc(Codec codec) {
    ByteBuffer batches =
        Batches.concat(Batches.withTimestamps(codec, 10, 30), Batches.withTimestamps(codec, 5));

    BatchStamper.stamp(batches, 0, 99_000L);

    int second = BatchLayout.sizeInBytes(batches, 0);
    for (int start : new int[] {0, second}) {
      int size = BatchLayout.sizeInBytes(batches, start);
      assertThat(BatchLayout.computeCrc(batches, start, size))
          .isEqualTo(BatchLayout.storedCrc(batches, start));
      assertThat(BatchLayout.maxTimestamp(batches, start)).isEqualTo(99_000L);
      assertThat(BatchLayout.compressionId(batches, start)).isEqualTo(codec.id());
    }
    List<MutableRecordBatch> views = toList(batches);
    assertThat(views)
        .allSatisfy(b -> assertThat(b.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME));
    assertThat(views).allSatisfy(b -> assertThat(b.isValid()).isTrue());
    assertThat(RecordBatches.records(batches))
        .extracting(LogRecord::timestamp)
        .containsExactly(99_000L, 99_000L, 99_000L);
    assertThat(new BatchValidator().validate(batches, 1 << 20, false).isValid()).isTrue();
  }

  private static List<MutableRecordBatch> toList(ByteBuffer batches) {
    java.util.ArrayList<MutableRecordBatch> list = new java.util.ArrayList<>();
    MemoryRecords.readableRecords(batches.duplicate()).batches().forEach(list::add);
    return list;
  }
}
