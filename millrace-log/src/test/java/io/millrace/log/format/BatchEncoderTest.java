package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.Seeds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchEncoderTest {

  @Test
  void shouldEncodeTheSameBytesAsKafkasRecordsBuilder() throws Exception {
    for (long seed : Seeds.fresh(3)) {
      Seeds.run(
          "batch encoder vs MemoryRecordsBuilder",
          seed,
          s -> {
            Random random = new Random(s);
            BatchEncoder encoder = new BatchEncoder(1 << 24);
            for (int batch = 0; batch < 200; batch++) {
              List<BatchBuilder.NewRecord> records = randomRecords(random);
              encoder.reset();
              encoder.beginBatch();
              for (BatchBuilder.NewRecord record : records) {
                assertThat(
                        encoder.addRecord(
                            record.timestamp(), record.key(), record.value(), record.headers()))
                    .isTrue();
              }
              int start = encoder.endBatch();
              ByteBuffer ours = encoder.batch(start);
              ByteBuffer kafkas = BatchBuilder.build(Codec.NONE, records);
              assertThat(ours).isEqualTo(kafkas);
            }
          });
    }
  }

  @Test
  void whenBufferWouldOutgrowItsMaximum_thenRecordIsRefusedAndBatchStaysValid() {
    BatchEncoder encoder = new BatchEncoder(1_000);
    encoder.beginBatch();
    assertThat(encoder.addRecord(1L, null, new byte[500], List.of())).isTrue();
    assertThat(encoder.addRecord(1L, null, new byte[500], List.of())).isFalse();
    int start = encoder.endBatch();
    assertThat(RecordBatches.records(encoder.batch(start))).hasSize(1);
  }

  private static List<BatchBuilder.NewRecord> randomRecords(Random random) {
    List<BatchBuilder.NewRecord> records = new ArrayList<>();
    long base = random.nextLong(1L << 42);
    for (int i = 1 + random.nextInt(50); i > 0; i--) {
      byte[] key = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(300));
      byte[] value = random.nextInt(8) == 0 ? null : bytes(random, random.nextInt(20_000));
      List<LogRecord.Header> headers = new ArrayList<>();
      for (int h = random.nextInt(4); h > 0; h--) {
        String name = random.nextBoolean() ? "h" + random.nextInt(1000) : "Grüße-✓-\uD83D\uDE80";
        headers.add(new LogRecord.Header(name, random.nextInt(5) == 0 ? null : bytes(random, 40)));
      }
      long timestamp = base + random.nextInt(2_000_000) - 1_000_000; // deltas of both signs
      records.add(new BatchBuilder.NewRecord(timestamp, key, value, headers));
    }
    return records;
  }

  private static byte[] bytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
