package io.millrace.log.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Asks another process whether it could take a file lock: what a second Millrace process would see.
 * OS file locks belong to processes, so only a child process can tell whether this one still holds
 * them.
 */
public final class LockProbe {

  private static final int LOCKED_BY_SOMEONE_ELSE = 3;

  private LockProbe() {}

  /** Child entry point: exits 0 if it could lock {@code args[0]}, 3 if it is locked already. */
  public static void main(String[] args) throws IOException {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      System.exit(lock == null ? LOCKED_BY_SOMEONE_ELSE : 0);
    }
  }

  /** True if a child JVM can lock {@code file} now. */
  public static boolean canLockFromAnotherProcess(Path file)
      throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath;
    try {
      classpath =
          Path.of(LockProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Process child =
        new ProcessBuilder(
                List.of(java, "-cp", classpath, LockProbe.class.getName(), file.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!child.waitFor(60, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      throw new IllegalStateException("lock probe did not finish");
    }
    int exit = child.exitValue();
    if (exit != 0 && exit != LOCKED_BY_SOMEONE_ELSE) {
      throw new IllegalStateException("lock probe failed with exit code " + exit);
    }
    return exit == 0;
  }
}
