package io.millrace.log.write;

import io.millrace.log.PartitionLog;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts bytes appended but not yet durable, globally and per partition, and refuses reservations
 * beyond the limits: the writer's backpressure. A reservation is released when its append's durable
 * future completes (or at once when the append fails).
 *
 * <p>Thread-safe and lock-free: counters are CAS-updated. A multi-partition reservation is taken
 * partition by partition and rolled back whole if any part is refused, so a refused call holds
 * nothing.
 */
final class WriteBudget {

  private final long maxPendingBytes;
  private final long maxPendingBytesPerPartition;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final Map<PartitionLog, AtomicLong> pendingByPartition = new ConcurrentHashMap<>();
  private final AtomicReference<CompletableFuture<Void>> capacityWaiter = new AtomicReference<>();

  WriteBudget(long maxPendingBytes, long maxPendingBytesPerPartition) {
    this.maxPendingBytes = maxPendingBytes;
    this.maxPendingBytesPerPartition = maxPendingBytesPerPartition;
  }

  /** Takes {@code bytes} from the global and the partition's budget, or nothing. */
  boolean tryReserve(PartitionLog partition, long bytes) {
    AtomicLong partitionPending =
        pendingByPartition.computeIfAbsent(partition, ignored -> new AtomicLong());
    if (!tryAdd(partitionPending, bytes, maxPendingBytesPerPartition)) {
      return false;
    }
    if (!tryAdd(pendingBytes, bytes, maxPendingBytes)) {
      partitionPending.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  void release(PartitionLog partition, long bytes) {
    pendingByPartition.get(partition).addAndGet(-bytes);
    pendingBytes.addAndGet(-bytes);
    CompletableFuture<Void> waiter = capacityWaiter.getAndSet(null);
    if (waiter != null) {
      waiter.complete(null);
    }
  }

  long pendingBytes() {
    return pendingBytes.get();
  }

  /** Completes at the next release, or at once if nothing is pending. */
  CompletableFuture<Void> onCapacity() {
    CompletableFuture<Void> waiter =
        capacityWaiter.updateAndGet(
            current -> current != null ? current : new CompletableFuture<>());
    if (pendingBytes.get() == 0) {
      waiter.complete(null);
    }
    return waiter;
  }

  private static boolean tryAdd(AtomicLong counter, long bytes, long limit) {
    while (true) {
      long current = counter.get();
      if (current + bytes > limit) {
        return false;
      }
      if (counter.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }
}
