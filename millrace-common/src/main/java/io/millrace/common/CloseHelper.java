package io.millrace.common;

import java.util.Collection;

/**
 * Closes many resources, keeping the first failure and adding the rest as suppressed exceptions so
 * that one failing close never leaks the others.
 */
public final class CloseHelper {

  private CloseHelper() {}

  /** Closes each non-null resource; rethrows the first failure with later ones suppressed. */
  public static void closeAll(AutoCloseable... resources) throws Exception {
    closeAll(java.util.Arrays.asList(resources));
  }

  /** Closes each non-null resource; rethrows the first failure with later ones suppressed. */
  public static void closeAll(Collection<? extends AutoCloseable> resources) throws Exception {
    Exception first = null;
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Closes the resource and returns the failure, if any, instead of throwing it. */
  public static Exception closeQuietly(AutoCloseable resource) {
    if (resource == null) {
      return null;
    }
    try {
      resource.close();
      return null;
    } catch (Exception e) {
      return e;
    }
  }
}
