package io.millrace.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.SeededRandomExtension;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

/**
 * The Java-built batch is byte for byte what RocksDB's own WriteBatch API builds, and puts into
 * another column family land there.
 */
@ExtendWith(SeededRandomExtension.class)
class WriteBatchEncoderTest {

  static {
    RocksDB.loadLibrary();
  }

  @Test
  void shouldEncodeExactlyAsRocksDbDoes(Random random) throws Exception {
    WriteBatchEncoder encoder = new WriteBatchEncoder();
    for (int round = 0; round < 3; round++) {
      encoder.reset();
      try (WriteBatch expected = new WriteBatch()) {
        int operations = random.nextInt(300);
        for (int i = 0; i < operations; i++) {
          // Lengths around the varint boundaries (127/128, 16383/16384).
          byte[] key =
              bytes(
                  random,
                  random.nextInt(4) == 0 ? 120 + random.nextInt(20) : 1 + random.nextInt(20));
          switch (random.nextInt(2)) {
            case 0 -> {
              byte[] value =
                  bytes(
                      random,
                      random.nextInt(10) == 0 ? 16_360 + random.nextInt(40) : random.nextInt(200));
              long timestamp = random.nextLong();
              long offset = random.nextLong();
              int partition = random.nextInt();
              if (random.nextBoolean()) {
                encoder.putRow(key, timestamp, offset, partition, value);
              } else {
                encoder.putRow(
                    inside(random, key), timestamp, offset, partition, inside(random, value));
              }
              byte[] row =
                  ByteBuffer.allocate(ViewIndex.HEADER_BYTES + value.length)
                      .putLong(timestamp)
                      .putLong(offset)
                      .putInt(partition)
                      .put(value)
                      .array();
              expected.put(key, row);
            }
            default -> {
              if (random.nextBoolean()) {
                encoder.delete(key);
              } else {
                encoder.delete(inside(random, key));
              }
              expected.delete(key);
            }
          }
        }
        assertThat(encoder.toByteArray()).isEqualTo(expected.data());
        try (WriteBatch decoded = new WriteBatch(encoder.toByteArray())) {
          assertThat(decoded.count()).isEqualTo(operations);
        }
      }
    }
  }

  @Test
  void shouldPutIntoTheNamedColumnFamily(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    try (ViewIndex index = ViewIndex.open(dir.resolve("index"), "topic-id")) {
      index.apply(
          3,
          java.util.List.of(
              new io.millrace.log.format.LogRecord(
                  7, 1_000, "k".getBytes(), "{}".getBytes(), java.util.List.of())),
          8,
          Long.MIN_VALUE);
      assertThat(index.nextOffset(3)).isEqualTo(8);
      assertThat(index.nextOffset(0)).isEqualTo(-1);
      ViewIndex.Row row = index.get("k".getBytes(), Long.MIN_VALUE);
      assertThat(row.value()).isEqualTo("{}".getBytes());
      assertThat(row.partition()).isEqualTo(3);
      assertThat(row.offset()).isEqualTo(7);
      assertThat(row.timestampMs()).isEqualTo(1_000);
    }
  }

  /**
   * The bytes as a read-only buffer in the middle of a larger one (as a decoded batch hands them).
   */
  private static ByteBuffer inside(Random random, byte[] bytes) {
    int before = random.nextInt(5);
    ByteBuffer larger = ByteBuffer.allocate(before + bytes.length + 3);
    larger.position(before);
    larger.put(bytes);
    return larger.flip().position(before).asReadOnlyBuffer();
  }

  private static byte[] bytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
