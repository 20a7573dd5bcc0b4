package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.BatchStamper;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.testing.CrashChild;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.Seeds;
import io.millrace.log.testing.SegmentFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash tests with real process death: a child JVM ({@link CrashChild}) appends to a log and
 * reports what was acknowledged; the test kills it with SIGKILL at a seeded random moment (after a
 * random number of acknowledgements, so mid-append, mid-roll, mid-fsync or mid-compaction), then
 * opens the same directory, lets recovery run, and checks that every acknowledged record is there,
 * in order, byte-identical, with nothing unreadable or left over. Each scenario kills the child
 * several times on one directory, so recovery also runs on data an earlier recovery produced, and
 * half of the time the test's own reopen leaves no clean-shutdown marker so the child recovers too.
 *
 * <p>A kill cannot lose what the OS page cache holds, so this proves crash consistency of the
 * process (torn writes, interrupted rolls, swaps and checkpoints), not durability against power
 * loss.
 */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {

  private static final int SIGKILL_EXIT_CODE = 128 + 9;
  private static final long CHILD_TIMEOUT_SECONDS = 60;

  @TempDir Path tempDir;

  /** One crash scenario: how the child writes, and how many times it is killed. */
  record Scenario(
      String name, FlushPolicy flush, int segmentBytes, boolean compacted, int kills, int maxAcks) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Scenario> scenarios() {
    return Stream.of(
        new Scenario("every-batch", FlushPolicy.EVERY_BATCH, 16 * 1024, false, 6, 150),
        new Scenario("group-commit", FlushPolicy.GROUP_COMMIT, 16 * 1024, false, 6, 400),
        new Scenario("os", FlushPolicy.OS, 16 * 1024, false, 5, 400),
        new Scenario("roll on almost every append", FlushPolicy.GROUP_COMMIT, 700, false, 6, 300),
        new Scenario("while compacting", FlushPolicy.GROUP_COMMIT, 2_000, true, 6, 600));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void whenChildIsKilledWithSigkill_thenRecoveryKeepsEveryAcknowledgedRecord(Scenario scenario) {
    long seed = Seeds.fresh(1).get(0);
    Seeds.run("crash recovery, " + scenario, seed, s -> new CrashLoop(scenario, s, tempDir).run());
  }

  /** Kills one child after another on the same directory, checking after each kill. */
  private static final class CrashLoop {

    private final Scenario scenario;
    private final long seed;
    private final Random random;
    private final Path tempDir;
    private final Path dataDir;
    private final List<CrashChild.Ack> acknowledged = new ArrayList<>();
    private long expectedEndOffset;

    CrashLoop(Scenario scenario, long seed, Path tempDir) {
      this.scenario = scenario;
      this.seed = seed;
      this.random = new Random(seed);
      this.tempDir = tempDir;
      this.dataDir = tempDir.resolve("data");
    }

    void run() throws Exception {
      for (int run = 1; run <= scenario.kills(); run++) {
        runAndKill(run);
        boolean leaveUnclean = random.nextBoolean();
        verify(run, leaveUnclean);
      }
      assertThat(acknowledged).as("acknowledgements over all runs").hasSizeGreaterThan(10);
    }

    // --------------------------------------------------------------------- the child

    private void runAndKill(int run) throws Exception {
      Path stderr = tempDir.resolve("child-" + run + ".err");
      Process child = startChild(run, stderr);
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = readLines(child, lines);
      boolean killed = false;
      try {
        String ready = nextLine(lines, child, stderr);
        assertThat(ready)
            .as("the child's log end offset after its recovery")
            .isEqualTo("READY " + expectedEndOffset + " ;");
        int killAfter = 1 + random.nextInt(scenario.maxAcks());
        int acks = 0;
        while (acks < killAfter) {
          String line = nextLine(lines, child, stderr);
          acks += take(line, stderr);
        }
        // SIGKILL through the process handle: Process.destroyForcibly would also close our end of
        // the child's stdout and lose acknowledgements still in the pipe. The exit code below
        // proves the signal.
        killed = child.toHandle().destroyForcibly();
      } finally {
        if (!killed) {
          child.destroyForcibly();
        }
      }
      assertThat(child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue())
          .as("exit code of a process killed by SIGKILL")
          .isEqualTo(SIGKILL_EXIT_CODE);
      reader.join(TimeUnit.SECONDS.toMillis(CHILD_TIMEOUT_SECONDS));
      // Lines the child printed between the kill decision and its death count too.
      for (String line = lines.poll(); line != null; line = lines.poll()) {
        take(line, stderr);
      }
    }

    private Process startChild(int run, Path stderr) throws IOException {
      String java =
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      List<String> command =
          List.of(
              java,
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              CrashChild.class.getName(),
              "dir=" + dataDir,
              "flush=" + scenario.flush().configName(),
              "segmentBytes=" + scenario.segmentBytes(),
              "compact=" + scenario.compacted(),
              "run=" + run,
              "seed=" + seed);
      return new ProcessBuilder(command)
          .redirectError(stderr.toFile())
          .redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
    }

    private static Thread readLines(Process child, BlockingQueue<String> lines) {
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  lines.add("READ FAILED " + e);
                }
              },
              "crash-child-stdout");
      reader.setDaemon(true);
      reader.start();
      return reader;
    }

    private static String nextLine(BlockingQueue<String> lines, Process child, Path stderr)
        throws InterruptedException {
      String line = lines.poll(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError(
            "no output from the child for "
                + CHILD_TIMEOUT_SECONDS
                + " s (alive: "
                + child.isAlive()
                + ")\n"
                + tail(stderr));
      }
      return line;
    }

    /** Takes one line of the protocol; returns 1 for an acknowledgement. */
    private int take(String line, Path stderr) {
      if (line.startsWith("FAIL") || line.startsWith("READ FAILED")) {
        throw new AssertionError("child reported: " + line + "\n" + tail(stderr));
      }
      CrashChild.Ack ack = CrashChild.Ack.parse(line);
      if (ack == null) {
        return 0; // the last line, cut by the kill
      }
      acknowledged.add(ack);
      return 1;
    }

    private static String tail(Path stderr) {
      try {
        List<String> lines = Files.readAllLines(stderr);
        return "child stderr (last lines):\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
      } catch (IOException e) {
        return "(no stderr: " + e + ")";
      }
    }

    // ------------------------------------------------------------------- verification

    private void verify(int run, boolean leaveUnclean) throws IOException {
      try (Log log = Log.open(LogOptions.defaults(dataDir))) {
        PartitionLog partition = log.partition(CrashChild.TP);
        Path partitionDirectory = SegmentFiles.partitionDirectory(dataDir, CrashChild.TOPIC, 0);
        assertNoLeftovers(partitionDirectory);
        SegmentFiles.assertFilesMatch(partition, partitionDirectory);
        int maxBytes = 1 + random.nextInt(64 * 1024);
        List<LogReader.StoredBatch> stored = LogReader.readBatches(partition, 0, () -> maxBytes);
        if (scenario.compacted()) {
          verifyCompacted(partition, stored);
        } else {
          verifyAllThere(partition, stored, run);
        }
        expectedEndOffset = partition.logEndOffset();
      }
      if (leaveUnclean) {
        Files.delete(dataDir.resolve(".clean-shutdown"));
      }
    }

    /** Recovery finished every interrupted compaction swap and removed every temporary file. */
    private static void assertNoLeftovers(Path partitionDirectory) throws IOException {
      try (Stream<Path> files = Files.list(partitionDirectory)) {
        assertThat(files.map(f -> f.getFileName().toString()))
            .noneMatch(
                name ->
                    name.endsWith(LogSegment.CLEANED_SUFFIX)
                        || name.endsWith(LogSegment.SWAP_SUFFIX)
                        || name.endsWith(LogSegment.DELETED_SUFFIX)
                        || name.endsWith(".tmp"));
      }
    }

    /**
     * Delete policy: offsets contiguous from 0; the log is each run's appends 0..n in order (a
     * prefix of what the child wrote, the acknowledged ones included); every batch byte-identical
     * to the batch the child built, stamped at its offset.
     */
    private void verifyAllThere(
        PartitionLog partition, List<LogReader.StoredBatch> stored, int run) {
      assertThat(partition.logStartOffset()).isZero();
      Map<Long, int[]> batchIdByBase = new HashMap<>();
      long next = 0;
      int previousRun = 0;
      int previousSequence = -1;
      for (LogReader.StoredBatch batch : stored) {
        assertThat(batch.baseOffset()).as("offsets contiguous").isEqualTo(next);
        int[] id = CrashChild.parseId(batch.records().get(0));
        boolean sameRun = id[0] == previousRun && id[1] == previousSequence + 1;
        boolean nextRun = id[0] == previousRun + 1 && id[1] == 0;
        assertThat(sameRun || nextRun)
            .as(
                "batch %s after %d:%d at offset %d: each run's appends in order, none lost or"
                    + " repeated",
                id[0] + ":" + id[1], previousRun, previousSequence, next)
            .isTrue();
        ByteBuffer expected = CrashChild.batch(seed, id[0], id[1], false);
        BatchStamper.stamp(expected, batch.baseOffset(), BatchStamper.KEEP_CREATE_TIME);
        assertThat(batch.bytes()).as("batch %d:%d", id[0], id[1]).isEqualTo(expected);
        batchIdByBase.put(batch.baseOffset(), id);
        previousRun = id[0];
        previousSequence = id[1];
        next = batch.lastOffset() + 1;
      }
      assertThat(partition.logEndOffset()).isEqualTo(next);
      assertThat(previousRun).as("the last run found in the log").isEqualTo(run);
      for (CrashChild.Ack ack : acknowledged) {
        int[] id = batchIdByBase.get(ack.baseOffset());
        assertThat(id)
            .as(
                "acknowledged batch %d:%d at offset %d",
                ack.run(), ack.sequence(), ack.baseOffset())
            .isNotNull()
            .startsWith(ack.run(), ack.sequence());
      }
      for (LogReader.StoredBatch batch : stored) {
        long crc = CrashChild.crcOf(batch.bytes());
        acknowledged.stream()
            .filter(ack -> ack.baseOffset() == batch.baseOffset())
            .forEach(
                ack -> {
                  assertThat(ack.lastOffset()).isEqualTo(batch.lastOffset());
                  assertThat(ack.crc()).as("CRC-32C the child saw").isEqualTo(crc);
                });
      }
    }

    /**
     * Compacted: every record present is one the child wrote, at the offset it got, unchanged; and
     * for every key, nothing older than its latest acknowledged record is all that is left.
     */
    private void verifyCompacted(PartitionLog partition, List<LogReader.StoredBatch> stored) {
      Map<String, LogRecord> latestPresent = new HashMap<>();
      Map<String, Long> baseById = new HashMap<>();
      Map<String, List<LogRecord>> built = new HashMap<>();
      for (LogReader.StoredBatch batch : stored) {
        for (LogRecord record : batch.records()) {
          int[] id = CrashChild.parseId(record);
          String batchId = id[0] + ":" + id[1];
          List<LogRecord> original =
              built.computeIfAbsent(
                  batchId, k -> RecordBatches.records(CrashChild.batch(seed, id[0], id[1], true)));
          LogRecord expected = original.get(id[2]);
          long base = record.offset() - id[2];
          assertThat(baseById.computeIfAbsent(batchId, k -> base))
              .as("base offset of batch %s", batchId)
              .isEqualTo(base);
          assertThat(record)
              .as("record %d of batch %s", id[2], batchId)
              .isEqualTo(
                  new LogRecord(
                      record.offset(),
                      expected.timestamp(),
                      expected.key(),
                      expected.value(),
                      expected.headers()));
          latestPresent.put(keyOf(record), record);
        }
      }
      Map<String, LogRecord> latestAcknowledged = new HashMap<>();
      for (CrashChild.Ack ack : acknowledged) {
        List<LogRecord> records =
            RecordBatches.records(CrashChild.batch(seed, ack.run(), ack.sequence(), true));
        Long base = baseById.get(ack.run() + ":" + ack.sequence());
        if (base != null) {
          assertThat(base).as("acknowledged base offset").isEqualTo(ack.baseOffset());
        }
        for (LogRecord record : records) {
          LogRecord placed =
              new LogRecord(
                  ack.baseOffset() + record.offset(),
                  record.timestamp(),
                  record.key(),
                  record.value(),
                  record.headers());
          latestAcknowledged.merge(
              keyOf(placed), placed, (a, b) -> a.offset() > b.offset() ? a : b);
        }
      }
      for (LogRecord acked : latestAcknowledged.values()) {
        LogRecord present = latestPresent.get(keyOf(acked));
        if (acked.value() == null && present == null) {
          continue; // a delete, and its tombstone already cleaned away
        }
        assertThat(present)
            .as("latest record of key %s (acknowledged at %d)", keyOf(acked), acked.offset())
            .isNotNull();
        assertThat(present.offset()).isGreaterThanOrEqualTo(acked.offset());
      }
      long lastAcknowledged =
          acknowledged.stream().mapToLong(CrashChild.Ack::lastOffset).max().orElse(-1);
      assertThat(partition.logEndOffset()).isGreaterThan(lastAcknowledged);
    }

    private static String keyOf(LogRecord record) {
      return new String(record.key(), StandardCharsets.UTF_8);
    }
  }
}
