package io.millrace.log.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories in memory ({@code /dev/shm}) where the machine has it, else in the default
 * temporary directory. For tests that check what the log computes rather than what survives a power
 * loss: on tmpfs an fsync costs nothing, so such a test spends its time on logic, not on the disk.
 */
public final class MemoryTempDirFactory implements TempDirFactory {

  private static final Path SHARED_MEMORY = Path.of("/dev/shm");

  @Override
  public Path createTempDirectory(
      AnnotatedElementContext elementContext, ExtensionContext extensionContext)
      throws IOException {
    if (Files.isDirectory(SHARED_MEMORY) && Files.isWritable(SHARED_MEMORY)) {
      return Files.createTempDirectory(SHARED_MEMORY, "millrace-test");
    }
    return Files.createTempDirectory("millrace-test");
  }
}
