package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.Batches;
import io.millrace.log.testing.SeededRandomExtension;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(SeededRandomExtension.class)
class BatchValidatorTest {

  private static final int MAX_BYTES = 1 << 20;

  private final BatchValidator validator = new BatchValidator();

  private BatchValidator.Result validate(ByteBuffer batches) {
    return validator.validate(batches, MAX_BYTES, false);
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldAcceptBatchesBuiltForEveryCodec(Codec codec, Random random) {
    ByteBuffer batch =
        Batches.random(random, codec, 1 + random.nextInt(50), random.nextInt(300), 1000);
    int records = batch.getInt(BatchLayout.RECORDS_COUNT);

    BatchValidator.Result result = validate(batch);

    assertThat(result.isValid()).as(result.message()).isTrue();
    assertThat(result.message()).isNull();
    assertThat(result.batchCount()).isOne();
    assertThat(result.recordCount()).isEqualTo(records);
  }

  @Test
  void shouldAcceptSeveralBatchesOfMixedCodecsInOneBuffer() {
    ByteBuffer batches =
        Batches.concat(
            Batches.numbered(0, 3, 1000),
            Batches.withTimestamps(Codec.ZSTD, 1, 2),
            Batches.withTimestamps(Codec.GZIP, 5));

    BatchValidator.Result result = validate(batches);

    assertThat(result.isValid()).as(result.message()).isTrue();
    assertThat(result.batchCount()).isEqualTo(3);
    assertThat(result.recordCount()).isEqualTo(6);
  }

  @Test
  void shouldNotMoveTheBufferPositionOrLimit() {
    ByteBuffer batch = Batches.numbered(0, 3, 1000);
    int limit = batch.limit();

    validate(batch);

    assertThat(batch.position()).isZero();
    assertThat(batch.limit()).isEqualTo(limit);
  }

  @Test
  void shouldRejectEmptyRequest() {
    BatchValidator.Result result = validate(ByteBuffer.allocate(0));

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("no record batches");
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldRejectBatchWithBadCrcWhereverTheFlippedByteIs(Codec codec) {
    ByteBuffer original = Batches.withTimestamps(codec, 1000, 1001, 1002);
    for (int position = BatchLayout.CRC; position < original.limit(); position++) {
      ByteBuffer damaged = Batches.copy(original);
      damaged.put(position, (byte) ~damaged.get(position));

      BatchValidator.Result result = validate(damaged);

      assertThat(result.error()).as("byte %d flipped", position).isEqualTo(BatchError.CORRUPT);
      assertThat(result.message()).as("byte %d flipped", position).contains("CRC");
    }
  }

  @Test
  void shouldAcceptBatchWhoseBaseOffsetAndLeaderEpochChanged() {
    // The CRC leaves these out on purpose: the log writes them without recomputing it.
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    batch.putLong(BatchLayout.BASE_OFFSET, 12345L);
    batch.putInt(BatchLayout.PARTITION_LEADER_EPOCH, 7);

    assertThat(validate(batch).isValid()).isTrue();
  }

  @Test
  void shouldRejectTruncatedHeader() {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    batch.limit(BatchLayout.HEADER_SIZE - 1);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.CORRUPT);
    assertThat(result.message()).contains("truncated batch header");
  }

  @Test
  void shouldRejectTruncatedBody() {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    batch.limit(batch.limit() - 1);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.CORRUPT);
    assertThat(result.message()).contains("does not fit");
  }

  @Test
  void shouldRejectTruncatedSecondBatchAndNameIt() {
    ByteBuffer batches = Batches.concat(Batches.numbered(0, 2, 1000), Batches.numbered(2, 2, 1000));
    batches.limit(batches.limit() - 5);

    BatchValidator.Result result = validate(batches);

    assertThat(result.error()).isEqualTo(BatchError.CORRUPT);
    assertThat(result.message()).startsWith("batch 1:");
    assertThat(result.batchCount()).isZero();
    assertThat(result.recordCount()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {Integer.MAX_VALUE, Integer.MAX_VALUE - 11, 1 << 30, -1, -12, 0, 48})
  void shouldRejectLengthFieldThatDoesNotFit(int batchLength) {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    batch.putInt(BatchLayout.BATCH_LENGTH, batchLength);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.CORRUPT);
  }

  @Test
  void shouldRejectLengthFieldOneByteTooLarge() {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    batch.putInt(BatchLayout.BATCH_LENGTH, batch.getInt(BatchLayout.BATCH_LENGTH) + 1);

    assertThat(validate(batch).error()).isEqualTo(BatchError.CORRUPT);
  }

  @ParameterizedTest
  @ValueSource(bytes = {0, 1, 3})
  void shouldRejectOtherMagicThanTwo(byte magic) {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    batch.put(BatchLayout.MAGIC, magic);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.UNSUPPORTED_VERSION);
    assertThat(result.message()).contains("magic " + magic);
  }

  @Test
  void shouldRejectBatchOverMaxMessageBytesAndAcceptOneExactlyAtIt() {
    ByteBuffer batch = Batches.numbered(0, 5, 1000);
    int size = batch.remaining();

    BatchValidator.Result tooLarge = validator.validate(batch, size - 1, false);
    BatchValidator.Result atLimit = validator.validate(batch, size, false);

    assertThat(tooLarge.error()).isEqualTo(BatchError.TOO_LARGE);
    assertThat(tooLarge.message()).contains("max.message.bytes").contains(Integer.toString(size));
    assertThat(atLimit.isValid()).isTrue();
  }

  @Test
  void shouldRejectBatchWithZeroRecords() {
    ByteBuffer batch = Batches.numbered(0, 1, 1000);
    batch.putInt(BatchLayout.RECORDS_COUNT, 0);
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("at least one record");
  }

  @Test
  void shouldRejectBatchWhoseLastOffsetDeltaDoesNotMatchItsRecords() {
    ByteBuffer batch = Batches.numbered(0, 3, 1000);
    batch.putInt(BatchLayout.LAST_OFFSET_DELTA, 5);
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("lastOffsetDelta 5");
  }

  @Test
  void shouldRejectRecordsCountLargerThanTheRecordsPresent() {
    ByteBuffer batch = Batches.numbered(0, 3, 1000);
    batch.putInt(BatchLayout.RECORDS_COUNT, 4);
    batch.putInt(BatchLayout.LAST_OFFSET_DELTA, 3);
    Batches.recomputeCrc(batch, 0);

    assertThat(validate(batch).error()).isEqualTo(BatchError.INVALID_RECORD);
  }

  @Test
  void shouldRejectMalformedRecordLengthVarintInsideBatchWithValidCrc() {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    for (int i = 0; i < 5; i++) {
      batch.put(BatchLayout.RECORDS + i, (byte) 0xFF); // continuation bit on every byte
    }
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("record 0");
  }

  @Test
  void shouldRejectKeyLengthRunningPastItsRecord() {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    // Record 0: length, attributes, timestampDelta, offsetDelta (one byte each here), keyLength.
    int keyLengthPosition = BatchLayout.RECORDS + 4;
    assertThat(batch.get(keyLengthPosition)).isEqualTo((byte) 10); // zig-zag of "key-0".length
    batch.put(keyLengthPosition, (byte) 0x7E); // zig-zag 63: beyond the record
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("record 0");
  }

  @Test
  void shouldRejectOffsetDeltasOutOfSequence() {
    ByteBuffer batch = Batches.numbered(0, 2, 1000);
    int offsetDeltaPosition = BatchLayout.RECORDS + 3;
    assertThat(batch.get(offsetDeltaPosition)).isZero();
    batch.put(offsetDeltaPosition, (byte) 4); // zig-zag 2
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("offset delta 2");
  }

  @Test
  void shouldRejectBytesAfterTheLastRecord() {
    ByteBuffer original = Batches.numbered(0, 2, 1000);
    ByteBuffer batch = ByteBuffer.allocate(original.remaining() + 3);
    batch.put(original.duplicate()).put(new byte[] {1, 2, 3}).flip();
    batch.putInt(BatchLayout.BATCH_LENGTH, batch.getInt(BatchLayout.BATCH_LENGTH) + 3);
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("3 bytes after the last record");
  }

  @ParameterizedTest
  @EnumSource(
      value = Codec.class,
      names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
  void shouldRejectGarbledCompressedRecordsWithValidCrc(Codec codec, Random random) {
    ByteBuffer batch = Batches.random(random, codec, 20, 50, 1000);
    byte[] garbage = new byte[batch.limit() - BatchLayout.RECORDS];
    random.nextBytes(garbage);
    batch.put(BatchLayout.RECORDS, garbage);
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldRejectNullKeyWhenTheTopicIsCompacted(Codec codec) {
    ByteBuffer batch =
        BatchBuilder.build(
            codec,
            List.of(
                new BatchBuilder.NewRecord(1, Batches.bytes("k"), Batches.bytes("v")),
                new BatchBuilder.NewRecord(2, null, Batches.bytes("no key"))));

    BatchValidator.Result compacted = validator.validate(batch, MAX_BYTES, true);
    BatchValidator.Result plain = validator.validate(batch, MAX_BYTES, false);

    assertThat(compacted.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(compacted.message()).contains("record 1").contains("key");
    assertThat(plain.isValid()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldAcceptTombstonesWithKeysWhenTheTopicIsCompacted(Codec codec) {
    ByteBuffer batch =
        BatchBuilder.build(codec, List.of(new BatchBuilder.NewRecord(1, Batches.bytes("k"), null)));

    assertThat(validator.validate(batch, MAX_BYTES, true).isValid()).isTrue();
  }

  @Test
  void shouldRejectControlBatchesFromClients() {
    ByteBuffer batch = Batches.numbered(0, 1, 1000);
    batch.putShort(
        BatchLayout.ATTRIBUTES,
        (short) (batch.getShort(BatchLayout.ATTRIBUTES) | BatchLayout.CONTROL_MASK));
    Batches.recomputeCrc(batch, 0);

    BatchValidator.Result result = validate(batch);

    assertThat(result.error()).isEqualTo(BatchError.INVALID_RECORD);
    assertThat(result.message()).contains("control");
  }

  @Test
  void shouldRejectUnknownCompressionCodec() {
    ByteBuffer batch = Batches.numbered(0, 1, 1000);
    batch.putShort(BatchLayout.ATTRIBUTES, (short) 6);
    Batches.recomputeCrc(batch, 0);

    assertThat(validate(batch).error()).isEqualTo(BatchError.INVALID_RECORD);
  }

  /**
   * Property: whatever the validator accepts, Kafka's own record reader parses into exactly the
   * records the header announces, with consecutive offsets; and whatever Kafka parses that way, the
   * validator accepts. Damage goes into the records and the CRC is then fixed up, so every case
   * reaches the record checks.
   */
  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldAgreeWithKafkaOnRandomlyDamagedRecords(Codec codec, Random random) {
    for (int round = 0; round < 3000; round++) {
      ByteBuffer batch =
          Batches.random(random, codec, 1 + random.nextInt(4), random.nextInt(12), 1000);
      int damages = 1 + random.nextInt(3);
      for (int d = 0; d < damages; d++) {
        int position = BatchLayout.RECORDS + random.nextInt(batch.limit() - BatchLayout.RECORDS);
        batch.put(position, (byte) random.nextInt(256));
      }
      Batches.recomputeCrc(batch, 0);
      ByteBuffer snapshot = Batches.copy(batch);

      BatchValidator.Result result = validate(batch);
      String kafkaProblem = kafkaProblem(snapshot);

      assertThat(result.error())
          .as("round %d: validator said %s, Kafka said %s", round, result.message(), kafkaProblem)
          .isIn(BatchError.NONE, BatchError.INVALID_RECORD);
      assertThat(result.isValid())
          .as("round %d: validator said %s, Kafka said %s", round, result.message(), kafkaProblem)
          .isEqualTo(kafkaProblem == null);
    }
  }

  /** Null if Kafka reads the batch as valid, else what it found wrong. */
  private static String kafkaProblem(ByteBuffer batch) {
    try {
      MutableRecordBatch view = MemoryRecords.readableRecords(batch).batches().iterator().next();
      List<Long> offsets = new ArrayList<>();
      for (Record record : view) {
        offsets.add(record.offset());
      }
      if (offsets.size() != view.countOrNull()) {
        return "header says " + view.countOrNull() + " records, found " + offsets.size();
      }
      for (int i = 0; i < offsets.size(); i++) {
        if (offsets.get(i) != view.baseOffset() + i) {
          return "offset delta " + (offsets.get(i) - view.baseOffset()) + " at " + i;
        }
      }
      if (view.lastOffset() - view.baseOffset() != offsets.size() - 1) {
        return "lastOffsetDelta";
      }
      return null;
    } catch (RuntimeException | Error e) { // snappy-java reports bad input with SnappyError
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      return e.toString();
    }
  }

  /**
   * Uncompressed batches without headers take the validator's fast path when they sit in a heap
   * buffer; a direct buffer (no backing array) always takes the full walk. Both must give the same
   * answer, message included, and agree with Kafka's reader, on batches whose varints are one, two
   * and three bytes long (up to 200 records, timestamp deltas up to 20 s, values up to 200 bytes),
   * damaged or not, with and without the compacted topics' key rule.
   */
  @Test
  void shouldGiveTheSameAnswerOnTheFastPathAsTheFullWalk(Random random) {
    for (int round = 0; round < 5000; round++) {
      ByteBuffer batch = headerlessBatch(random);
      int damages = random.nextInt(3);
      for (int d = 0; d < damages; d++) {
        int position = BatchLayout.RECORDS + random.nextInt(batch.limit() - BatchLayout.RECORDS);
        batch.put(position, (byte) random.nextInt(256));
      }
      Batches.recomputeCrc(batch, 0);
      boolean keyRequired = random.nextBoolean();
      ByteBuffer direct =
          ByteBuffer.allocateDirect(batch.remaining()).put(batch.duplicate()).flip();
      ByteBuffer snapshot = Batches.copy(batch);

      BatchValidator.Result fast = validator.validate(batch, MAX_BYTES, keyRequired);
      BatchValidator.Result full = validator.validate(direct, MAX_BYTES, keyRequired);
      String kafkaProblem = kafkaProblem(snapshot);

      assertThat(fast).as("round %d, %d damages", round, damages).isEqualTo(full);
      if (!keyRequired) {
        assertThat(fast.isValid())
            .as("round %d: validator said %s, Kafka said %s", round, fast.message(), kafkaProblem)
            .isEqualTo(kafkaProblem == null);
      }
    }
  }

  private static ByteBuffer headerlessBatch(Random random) {
    int count = 1 + random.nextInt(200);
    int valueBytes = random.nextInt(200);
    int maxTimestampDelta = random.nextBoolean() ? 50 : 20_000;
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] value = new byte[valueBytes];
      random.nextBytes(value);
      byte[] key = random.nextInt(4) == 0 ? null : Batches.bytes("k" + random.nextInt(1000));
      records.add(
          new BatchBuilder.NewRecord(
              1000 + random.nextInt(maxTimestampDelta), key, value, List.of()));
    }
    return BatchBuilder.build(Codec.NONE, records);
  }
}
