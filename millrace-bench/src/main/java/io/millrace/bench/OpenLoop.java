package io.millrace.bench;

import java.util.concurrent.locks.LockSupport;

/** Pacing for open-loop load generators: sends happen on a fixed schedule. Stateless. */
public final class OpenLoop {

  /** The last stretch before a deadline is spun, not parked: parking overshoots by ~50 µs. */
  private static final long SPIN_NANOS = 100_000;

  private OpenLoop() {}

  /** Returns at {@code deadlineNanos} ({@link System#nanoTime()}), or at once if it has passed. */
  public static void waitUntil(long deadlineNanos) {
    long remaining;
    while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
      if (remaining > SPIN_NANOS) {
        LockSupport.parkNanos(remaining - SPIN_NANOS);
      } else {
        Thread.onSpinWait();
      }
    }
  }
}
