package io.millrace.log.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeds for randomized tests. A run uses fresh random seeds unless {@code -Dmillrace.seed=N} pins
 * one; a failure names its seed so that it can be replayed and then kept as a regression seed.
 */
public final class Seeds {

  /** The system property that replaces the random seeds of a run with one fixed seed. */
  public static final String PROPERTY = "millrace.seed";

  private Seeds() {}

  /** A body of a randomized test, run once per seed. */
  @FunctionalInterface
  public interface SeededBody {
    void run(long seed) throws Exception;
  }

  /** {@code count} fresh seeds, or just the pinned one when {@value #PROPERTY} is set. */
  public static List<Long> fresh(int count) {
    Long pinned = Long.getLong(PROPERTY);
    if (pinned != null) {
      return List.of(pinned);
    }
    List<Long> seeds = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      seeds.add(ThreadLocalRandom.current().nextLong());
    }
    return seeds;
  }

  /** Runs {@code body} with {@code seed}; any failure is rethrown naming the seed. */
  public static void run(String test, long seed, SeededBody body) {
    try {
      body.run(seed);
    } catch (Throwable failure) {
      AssertionError named =
          new AssertionError(
              test
                  + " failed with seed "
                  + seed
                  + "L (replay: -D"
                  + PROPERTY
                  + "="
                  + seed
                  + "): "
                  + failure,
              failure);
      throw named;
    }
  }
}
