package io.millrace.log.testing;

import java.util.Random;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Gives a test a {@link Random} parameter with a fresh seed (or the one in system property {@value
 * #SEED_PROPERTY}), and attaches the seed to the failure of a test that used it, so that every
 * randomized failure can be replayed: {@code -Dmillrace.test.seed=N}. A failing seed worth keeping
 * becomes a regression test with that seed written down.
 */
public final class SeededRandomExtension
    implements ParameterResolver, TestExecutionExceptionHandler {

  public static final String SEED_PROPERTY = "millrace.test.seed";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SeededRandomExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Random.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Long fixed = Long.getLong(SEED_PROPERTY);
    long seed = fixed != null ? fixed : new Random().nextLong();
    context.getStore(NAMESPACE).put("seed", seed);
    return new Random(seed);
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    Long seed = context.getStore(NAMESPACE).get("seed", Long.class);
    if (seed != null) {
      String replay =
          context.getDisplayName()
              + " failed with seed "
              + seed
              + ": replay with -D"
              + SEED_PROPERTY
              + "="
              + seed;
      System.err.println(replay);
      failure.addSuppressed(new SeedReport(replay));
    }
    throw failure;
  }

  /** Carries the seed in the failure report; it has no stack trace of its own. */
  private static final class SeedReport extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SeedReport(String message) {
      super(message, null, false, false);
    }
  }
}
