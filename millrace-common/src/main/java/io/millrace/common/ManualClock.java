package io.millrace.common;

import java.util.concurrent.atomic.AtomicLong;

/** A clock moved by hand, for tests and deterministic simulations. Thread-safe. */
public final class ManualClock implements Clock {

  private final AtomicLong millis;
  private final AtomicLong nanos = new AtomicLong();

  public ManualClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public long nanos() {
    return nanos.get();
  }

  /** Moves both clocks forward. */
  public void advanceMillis(long deltaMs) {
    millis.addAndGet(deltaMs);
    nanos.addAndGet(deltaMs * 1_000_000L);
  }
}
