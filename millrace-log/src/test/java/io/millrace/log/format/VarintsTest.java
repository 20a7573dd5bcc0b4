package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.utils.ByteUtils;
import org.junit.jupiter.api.Test;

/** The cursor decodes exactly what Kafka encodes, and reports truncated or over-long input. */
class VarintsTest {

  private static final long SEED = 20_261_125L;

  @Test
  void shouldDecodeWhatKafkaEncodesAtEveryLength() {
    Random random = new Random(SEED);
    for (int round = 0; round < 20_000; round++) {
      int intValue = randomInt(random);
      long longValue = randomLong(random);
      int start = random.nextInt(4);
      ByteBuffer buffer = ByteBuffer.allocate(start + 5 + 10 + random.nextInt(3));
      buffer.position(start);
      ByteUtils.writeVarint(intValue, buffer);
      int intEnd = buffer.position();
      ByteUtils.writeVarlong(longValue, buffer);
      int longEnd = buffer.position();

      Varints.Cursor cursor = new Varints.Cursor().reset(start, longEnd);
      assertThat(cursor.readVarint(buffer)).as("seed %d round %d", SEED, round).isEqualTo(intValue);
      assertThat(cursor.position).isEqualTo(intEnd);
      assertThat(cursor.readVarlong(buffer))
          .as("seed %d round %d", SEED, round)
          .isEqualTo(longValue);
      assertThat(cursor.position).isEqualTo(longEnd);
      assertThat(cursor.ok()).isTrue();
    }
  }

  @Test
  void shouldReportAVarintCutByTheLimitAsMalformed() {
    Random random = new Random(SEED);
    for (int round = 0; round < 5_000; round++) {
      long value = randomLong(random);
      ByteBuffer buffer = ByteBuffer.allocate(16);
      ByteUtils.writeVarlong(value, buffer);
      int length = buffer.position();
      int cut = random.nextInt(length); // drop at least the last byte

      Varints.Cursor cursor = new Varints.Cursor().reset(0, cut);
      assertThat(cursor.readVarlong(buffer)).isZero();
      assertThat(cursor.ok())
          .as("seed %d round %d: %d of %d bytes", SEED, round, cut, length)
          .isFalse();
      // and stays malformed
      assertThat(cursor.readVarint(buffer)).isZero();
      assertThat(cursor.ok()).isFalse();
    }
  }

  @Test
  void shouldRefuseMoreContinuationBytesThanTheTypeAllows() {
    ByteBuffer sixBytes =
        ByteBuffer.wrap(
            new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
    Varints.Cursor cursor = new Varints.Cursor().reset(0, 6);
    cursor.readVarint(sixBytes);
    assertThat(cursor.ok()).isFalse();

    ByteBuffer elevenBytes = ByteBuffer.allocate(11);
    for (int i = 0; i < 10; i++) {
      elevenBytes.put(i, (byte) 0x80);
    }
    cursor = new Varints.Cursor().reset(0, 11);
    cursor.readVarlong(elevenBytes);
    assertThat(cursor.ok()).isFalse();
  }

  @Test
  void shouldDecodeOneAndTwoByteFieldsRightAtTheLimit() {
    // 0x7f (one byte, -64 zig-zag) then 0xff 0x01 (two bytes, -128 zig-zag) ending at the limit.
    ByteBuffer buffer = ByteBuffer.wrap(new byte[] {0x7f, (byte) 0xff, 0x01});
    Varints.Cursor cursor = new Varints.Cursor().reset(0, 3);
    assertThat(cursor.readVarint(buffer)).isEqualTo(-64);
    assertThat(cursor.readVarint(buffer)).isEqualTo(-128);
    assertThat(cursor.position).isEqualTo(3);
    assertThat(cursor.ok()).isTrue();

    Varints.Cursor lastByteOnly = new Varints.Cursor().reset(2, 3);
    assertThat(lastByteOnly.readVarint(buffer)).isEqualTo(-1);
    assertThat(lastByteOnly.position).isEqualTo(3);
  }

  /** Values of every encoded length, 1 to 5 bytes, with both signs. */
  private static int randomInt(Random random) {
    int bits = 1 + random.nextInt(32);
    int value = bits == 32 ? random.nextInt() : random.nextInt(1 << (bits - 1));
    return random.nextBoolean() ? value : -value - 1;
  }

  /** Values of every encoded length, 1 to 10 bytes, with both signs. */
  private static long randomLong(Random random) {
    int bits = 1 + random.nextInt(64);
    long value = bits == 64 ? random.nextLong() : random.nextLong() & ((1L << (bits - 1)) - 1);
    return random.nextBoolean() ? value : -value - 1;
  }
}
