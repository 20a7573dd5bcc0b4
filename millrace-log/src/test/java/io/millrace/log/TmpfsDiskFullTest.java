package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.Codec;
import io.millrace.log.testing.AcknowledgedBatches;
import io.millrace.log.testing.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log on a real, really full file system: a 4 MiB tmpfs mounted for the test. Needs root (or
 * CAP_SYS_ADMIN); where mounting is not allowed the test is skipped with the reason, and {@link
 * DiskFullTest} still covers the same behaviour with injected faults.
 *
 * <p>Space "returns" by deleting a ballast file written before the log filled the rest.
 */
@Tag("system")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TmpfsDiskFullTest {

  private static final String TOPIC = "events";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final String NO_SPACE = "No space left on device";

  @TempDir Path scratch;

  private Path mountPoint;
  private boolean mounted;

  @BeforeEach
  void mountSmallFileSystem() throws Exception {
    mountPoint = Files.createDirectories(scratch.resolve("tmpfs"));
    CommandResult mount =
        run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString());
    assumeTrue(
        mount.exitCode() == 0,
        "cannot mount a 4 MiB tmpfs here (needs root or CAP_SYS_ADMIN): "
            + mount.output()
            + " -- skipping only the real-file-system variant; DiskFullTest injects the faults");
    mounted = true;
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted) {
      CommandResult umount = run("umount", mountPoint.toString());
      assertThat(umount.exitCode()).as("umount: %s", umount.output()).isZero();
    }
  }

  @Test
  void whenRealFileSystemIsFull_thenAppendFailsWithStorageError_andResumesOnceSpaceIsFreed()
      throws Exception {
    Path dataDir = mountPoint.resolve("data");
    Path ballast = mountPoint.resolve("ballast");
    Files.write(ballast, new byte[512 * 1024]);
    AcknowledgedBatches acknowledged = new AcknowledgedBatches();
    Random random = new Random(7);
    ByteBuffer refused = null;

    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic(
          TOPIC,
          1,
          Map.of(
              TopicConfig.FLUSH_POLICY, FlushPolicy.EVERY_BATCH.configName(),
              TopicConfig.SEGMENT_BYTES, Integer.toString(256 * 1024),
              TopicConfig.INDEX_INTERVAL_BYTES, "1024"));
      PartitionLog partition = log.partition(TP);
      for (int i = 0; i < 2_000 && refused == null; i++) {
        ByteBuffer batch = incompressibleBatch(random, i);
        long endBefore = partition.logEndOffset();
        AppendResult result = partition.append(batch);
        if (result.isOk()) {
          acknowledged.add(batch);
        } else {
          assertThat(result.status()).isEqualTo(AppendStatus.STORAGE_ERROR);
          assertThat(result.message()).contains(TP.toString()).contains(NO_SPACE);
          assertThat(partition.logEndOffset()).isEqualTo(endBefore);
          refused = batch;
        }
      }
      assertThat(refused).as("the 4 MiB file system never filled up").isNotNull();
      assertThat(acknowledged.size()).isGreaterThan(100);
      assertThat(partition.append(incompressibleBatch(random, -1)).status())
          .isEqualTo(AppendStatus.STORAGE_ERROR);
      assertStored(partition, acknowledged, dataDir);

      Files.delete(ballast);
      AppendResult retried = partition.append(refused);
      assertThat(retried.status()).as("retry: %s", retried.message()).isEqualTo(AppendStatus.OK);
      acknowledged.add(refused);
      for (int i = 0; i < 10; i++) {
        ByteBuffer batch = incompressibleBatch(random, 10_000 + i);
        assertThat(partition.append(batch).status()).isEqualTo(AppendStatus.OK);
        acknowledged.add(batch);
      }
      assertStored(partition, acknowledged, dataDir);
    }
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      assertStored(log.partition(TP), acknowledged, dataDir);
    }
    Files.delete(dataDir.resolve(".clean-shutdown"));
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      assertStored(log.partition(TP), acknowledged, dataDir);
    }
  }

  private static void assertStored(
      PartitionLog partition, AcknowledgedBatches acknowledged, Path dataDir) throws IOException {
    acknowledged.assertStoredIn(partition, 64 * 1024);
    SegmentFiles.assertFilesMatch(
        partition, SegmentFiles.partitionDirectory(dataDir, TOPIC, TP.partition()));
  }

  /** About 8 KiB of random bytes in a few records, so the file system fills at a known pace. */
  private static ByteBuffer incompressibleBatch(Random random, int number) {
    byte[] value = new byte[2_000 + random.nextInt(6_000)];
    random.nextBytes(value);
    return BatchBuilder.build(
        Codec.NONE,
        List.of(
            new BatchBuilder.NewRecord(
                1_000_000L + number, ("key-" + number).getBytes(StandardCharsets.UTF_8), value)));
  }

  private record CommandResult(int exitCode, String output) {}

  /** Runs a command; a missing command or a hang counts as a failure with the reason as output. */
  private static CommandResult run(String... command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new CommandResult(-1, String.join(" ", command) + " did not finish");
      }
      return new CommandResult(process.exitValue(), output.strip());
    } catch (IOException e) {
      return new CommandResult(-1, String.join(" ", command) + ": " + e.getMessage());
    }
  }
}
