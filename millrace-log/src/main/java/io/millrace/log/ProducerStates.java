package io.millrace.log;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Idempotent-producer state of one partition: for each producer id, its epoch and its last few
 * batches' sequence numbers and offsets. It lets the log answer a retried batch with the offsets it
 * already has (instead of storing it twice), refuse a batch that skips sequence numbers, and fence
 * a producer whose epoch is old, as a Kafka broker does.
 *
 * <p>Rebuilt when the partition opens from the batch headers of its last segments, so a retry after
 * a crash or restart is still recognised. A producer seen only in older segments is treated as new:
 * its next batch is accepted whatever its sequence.
 *
 * <p>Not thread-safe: guarded by the partition's append lock.
 */
final class ProducerStates {

  /** How many recent batches are remembered per producer: Kafka's max.in.flight limit. */
  static final int CACHED_BATCHES = 5;

  /** Where a batch of a producer landed. */
  record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {}

  /** What to do with an incoming producer batch. */
  enum Verdict {
    /** Next in sequence (or a producer not seen before): append it. */
    APPEND,
    /** The same sequence range as a batch already stored: answer with its offsets. */
    DUPLICATE,
    /** A gap or a sequence from the past that is not cached: OUT_OF_ORDER_SEQUENCE_NUMBER. */
    OUT_OF_ORDER,
    /** An epoch older than the producer's current one: INVALID_PRODUCER_EPOCH. */
    FENCED
  }

  private static final class Producer {
    short epoch;
    final ArrayDeque<BatchMetadata> recent = new ArrayDeque<>();
  }

  private final Map<Long, Producer> producers = new HashMap<>();

  Verdict check(long producerId, short epoch, int firstSequence, int lastSequence) {
    Producer producer = producers.get(producerId);
    if (producer == null) {
      return Verdict.APPEND;
    }
    if (epoch < producer.epoch) {
      return Verdict.FENCED;
    }
    if (epoch > producer.epoch) {
      return firstSequence == 0 ? Verdict.APPEND : Verdict.OUT_OF_ORDER;
    }
    if (duplicateOf(producerId, firstSequence, lastSequence) != null) {
      return Verdict.DUPLICATE;
    }
    BatchMetadata last = producer.recent.peekLast();
    if (last == null) {
      return Verdict.APPEND;
    }
    return firstSequence == nextSequence(last.lastSequence())
        ? Verdict.APPEND
        : Verdict.OUT_OF_ORDER;
  }

  /** The stored batch with exactly this sequence range, or null. */
  BatchMetadata duplicateOf(long producerId, int firstSequence, int lastSequence) {
    Producer producer = producers.get(producerId);
    if (producer == null) {
      return null;
    }
    for (BatchMetadata batch : producer.recent) {
      if (batch.firstSequence() == firstSequence && batch.lastSequence() == lastSequence) {
        return batch;
      }
    }
    return null;
  }

  /** Remembers an appended batch. */
  void record(long producerId, short epoch, BatchMetadata batch) {
    Producer producer = producers.computeIfAbsent(producerId, id -> new Producer());
    if (epoch != producer.epoch) {
      producer.epoch = epoch;
      producer.recent.clear();
    }
    producer.recent.addLast(batch);
    while (producer.recent.size() > CACHED_BATCHES) {
      producer.recent.removeFirst();
    }
  }

  /** Forgets batches at or after {@code offset}: the log was cut back there. */
  void truncateTo(long offset) {
    for (Iterator<Producer> producers = this.producers.values().iterator(); producers.hasNext(); ) {
      Producer producer = producers.next();
      producer.recent.removeIf(batch -> batch.lastOffset() >= offset);
      if (producer.recent.isEmpty()) {
        producers.remove();
      }
    }
  }

  private static int nextSequence(int sequence) {
    return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
  }
}
