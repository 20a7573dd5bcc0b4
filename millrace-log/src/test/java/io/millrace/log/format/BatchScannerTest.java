package io.millrace.log.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.testing.Batches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchScannerTest {

  @TempDir Path directory;

  private record Seen(
      long position, int size, long baseOffset, long lastOffset, long maxTimestamp) {}

  private final List<Seen> seen = new ArrayList<>();

  /** Three stamped batches (offsets 0-1, 2-4, 5) back to back; returns their start positions. */
  private static ByteBuffer threeBatches(int[] starts) {
    ByteBuffer batches =
        Batches.concat(
            Batches.numbered(0, 2, 1000),
            Batches.numbered(2, 3, 2000),
            Batches.numbered(5, 1, 500));
    BatchStamper.stamp(batches, 0, BatchStamper.KEEP_CREATE_TIME);
    int position = 0;
    for (int i = 0; i < 3; i++) {
      starts[i] = position;
      position += BatchLayout.sizeInBytes(batches, position);
    }
    return batches;
  }

  private BatchScanner.Outcome scan(ByteBuffer content, long expectedNextOffset)
      throws IOException {
    return scan(content, new BatchScanner(1 << 20), expectedNextOffset);
  }

  private BatchScanner.Outcome scan(
      ByteBuffer content, BatchScanner scanner, long expectedNextOffset) throws IOException {
    Path file = directory.resolve("scan-" + System.nanoTime() + ".log");
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      channel.write(content.duplicate());
      return scanner.scan(
          channel,
          0,
          channel.size(),
          expectedNextOffset,
          (position, size, base, last, max) -> seen.add(new Seen(position, size, base, last, max)));
    }
  }

  @Test
  void shouldVisitEveryBatchOfAnIntactFile() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.problem()).isNull();
    assertThat(outcome.validEndPosition()).isEqualTo(batches.limit());
    assertThat(outcome.nextOffset()).isEqualTo(6);
    assertThat(seen)
        .containsExactly(
            new Seen(starts[0], starts[1], 0, 1, 1001),
            new Seen(starts[1], starts[2] - starts[1], 2, 4, 2002),
            new Seen(starts[2], batches.limit() - starts[2], 5, 5, 500));
  }

  @Test
  void shouldStopAtTheFirstBatchWithBadCrc() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    int inSecond = starts[1] + BatchLayout.RECORDS + 2;
    batches.put(inSecond, (byte) ~batches.get(inSecond));

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.validEndPosition()).isEqualTo(starts[1]);
    assertThat(outcome.nextOffset()).isEqualTo(2);
    assertThat(outcome.problem()).contains("CRC");
    assertThat(seen).hasSize(1); // the intact third batch is not visited either
  }

  @Test
  void shouldStopAtATornHeader() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    batches.limit(starts[2] + 20);

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.validEndPosition()).isEqualTo(starts[2]);
    assertThat(outcome.nextOffset()).isEqualTo(5);
    assertThat(outcome.problem()).contains("torn");
    assertThat(seen).hasSize(2);
  }

  @Test
  void shouldStopAtATornBody() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    batches.limit(batches.limit() - 1);

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.validEndPosition()).isEqualTo(starts[2]);
    assertThat(outcome.problem()).contains("length");
  }

  @Test
  void shouldStopAtZerosAfterTheLastBatch() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    ByteBuffer withZeros = ByteBuffer.allocate(batches.limit() + 4096).put(batches.duplicate());
    withZeros.position(0);

    BatchScanner.Outcome outcome = scan(withZeros, 0);

    assertThat(outcome.validEndPosition()).isEqualTo(batches.limit());
    assertThat(outcome.nextOffset()).isEqualTo(6);
    assertThat(outcome.problem()).isNotNull();
  }

  @Test
  void shouldStopAtBadMagic() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    batches.put(starts[1] + BatchLayout.MAGIC, (byte) 1);

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.validEndPosition()).isEqualTo(starts[1]);
    assertThat(outcome.problem()).contains("magic");
  }

  @Test
  void shouldTreatBatchLargerThanTheLimitAsDamage() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    int secondSize = starts[2] - starts[1];

    BatchScanner.Outcome outcome = scan(batches, new BatchScanner(secondSize - 1), 0);

    assertThat(outcome.validEndPosition()).isEqualTo(starts[1]);
    assertThat(outcome.problem()).contains("length");
  }

  @Test
  void shouldStopWhereOffsetsGoBackwards() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    batches.putLong(starts[2] + BatchLayout.BASE_OFFSET, 3); // overlaps the second batch

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.validEndPosition()).isEqualTo(starts[2]);
    assertThat(outcome.problem()).contains("backwards");
  }

  @Test
  void shouldRejectFirstBatchBelowTheExpectedOffset() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);

    BatchScanner.Outcome outcome = scan(batches, 1);

    assertThat(outcome.validEndPosition()).isZero();
    assertThat(outcome.nextOffset()).isEqualTo(1);
    assertThat(seen).isEmpty();
  }

  @Test
  void shouldAcceptGapsBetweenBatchesLeftByCompaction() throws IOException {
    int[] starts = new int[3];
    ByteBuffer batches = threeBatches(starts);
    batches.putLong(starts[2] + BatchLayout.BASE_OFFSET, 40);

    BatchScanner.Outcome outcome = scan(batches, 0);

    assertThat(outcome.problem()).isNull();
    assertThat(outcome.nextOffset()).isEqualTo(41);
  }

  @Test
  void shouldScanBatchesLargerThanItsInitialBuffer() throws IOException {
    ByteBuffer big =
        Batches.random(new java.util.Random(1), Codec.NONE, 10, 20_000, 1000); // ~200 KB
    BatchStamper.stamp(big, 0, BatchStamper.KEEP_CREATE_TIME);

    BatchScanner.Outcome outcome = scan(Batches.concat(big, big), 0);

    assertThat(outcome.problem()).contains("backwards"); // same offsets twice
    assertThat(seen).hasSize(1);
    assertThat(outcome.validEndPosition()).isEqualTo(big.limit());
  }
}
