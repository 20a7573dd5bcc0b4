package io.millrace.log.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.PartitionLog;
import io.millrace.log.format.BatchLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The batches a test was told are stored, as the log stamped them (the log writes offsets into the
 * appended buffer, so after an append the buffer holds exactly the stored bytes). Checks a
 * partition against them byte for byte. Not thread-safe.
 */
public final class AcknowledgedBatches {

  private final List<ByteBuffer> batches = new ArrayList<>();

  /** Records an acknowledged append of one batch. */
  public void add(ByteBuffer stampedBatch) {
    batches.add(stampedBatch);
  }

  public int size() {
    return batches.size();
  }

  /** The log end offset the partition must have: after the last acknowledged record. */
  public long endOffset() {
    if (batches.isEmpty()) {
      return 0;
    }
    ByteBuffer last = batches.get(batches.size() - 1);
    return BatchLayout.lastOffset(last, last.position()) + 1;
  }

  /**
   * Asserts the partition holds exactly the acknowledged batches, byte for byte and in order, from
   * offset 0 to its end, read through {@link PartitionLog#read} with {@code maxBytes} per read.
   */
  public void assertStoredIn(PartitionLog partition, int maxBytes) {
    assertThat(partition.logEndOffset()).as("log end offset").isEqualTo(endOffset());
    List<LogReader.StoredBatch> stored = LogReader.readBatches(partition, 0, () -> maxBytes);
    assertThat(stored).as("batches read back").hasSameSizeAs(batches);
    for (int i = 0; i < stored.size(); i++) {
      assertThat(stored.get(i).bytes())
          .as("batch %d at offset %d", i, stored.get(i).baseOffset())
          .isEqualTo(batches.get(i).duplicate());
    }
  }
}
