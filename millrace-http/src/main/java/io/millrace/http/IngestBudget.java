package io.millrace.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all record ingestion requests together may hold while they read, validate and write
 * their records. A request takes bytes as it reads its body and gives them all back once its
 * records are handed to the log (or refused). When the budget is used up the request stops reading
 * and is answered 503: memory stays bounded however many clients push at once.
 *
 * <p>Thread-safe and lock-free (one CAS-updated counter).
 */
final class IngestBudget {

  private final long capacityBytes;
  private final AtomicLong usedBytes = new AtomicLong();

  IngestBudget(long capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  /** Takes {@code bytes}, or nothing if that would pass the capacity. */
  boolean tryTake(long bytes) {
    while (true) {
      long used = usedBytes.get();
      if (used + bytes > capacityBytes) {
        return false;
      }
      if (usedBytes.compareAndSet(used, used + bytes)) {
        return true;
      }
    }
  }

  void giveBack(long bytes) {
    usedBytes.addAndGet(-bytes);
  }

  long usedBytes() {
    return usedBytes.get();
  }
}
