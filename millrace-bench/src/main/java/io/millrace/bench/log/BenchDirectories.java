package io.millrace.bench.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where benchmarks put their data: a fresh directory under {@code -Dmillrace.bench.dir}, else the
 * environment variable {@code MILLRACE_BENCH_DIR} (inherited by JMH's forked JVMs), else {@code
 * java.io.tmpdir}; removed again when the benchmark ends. The file system matters to every figure,
 * so it is printed: a tmpfs would measure memory, not the disk.
 */
public final class BenchDirectories {

  public static final String PROPERTY = "millrace.bench.dir";

  public static final String ENVIRONMENT_VARIABLE = "MILLRACE_BENCH_DIR";

  private BenchDirectories() {}

  /** A new empty directory for one benchmark trial. */
  public static Path create(String prefix) {
    try {
      Path base = Path.of(baseDirectory());
      Files.createDirectories(base);
      return Files.createTempDirectory(base, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String baseDirectory() {
    String property = System.getProperty(PROPERTY);
    if (property != null && !property.isBlank()) {
      return property;
    }
    String environment = System.getenv(ENVIRONMENT_VARIABLE);
    if (environment != null && !environment.isBlank()) {
      return environment;
    }
    return System.getProperty("java.io.tmpdir");
  }

  /** "ext4 on /dev/vda" or similar, for the record. */
  public static String describe(Path directory) {
    try {
      FileStore store = Files.getFileStore(directory);
      return store.type() + " (" + store.name() + ") at " + directory;
    } catch (IOException e) {
      return "unknown file system at " + directory;
    }
  }

  /** Removes a directory tree; a missing tree is fine. */
  public static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
