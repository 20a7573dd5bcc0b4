package io.millrace.common;

/**
 * The source of time for every component. Logic takes a {@code Clock} instead of calling {@code
 * System.currentTimeMillis()} so tests can drive time by hand.
 *
 * <p>Thread-safe: implementations are called from any thread.
 */
public interface Clock {

  /** The system clock. */
  Clock SYSTEM =
      new Clock() {
        @Override
        public long millis() {
          return System.currentTimeMillis();
        }

        @Override
        public long nanos() {
          return System.nanoTime();
        }
      };

  /** Wall-clock time in milliseconds since the epoch. */
  long millis();

  /** A monotonic time in nanoseconds, for measuring intervals only. */
  long nanos();
}
