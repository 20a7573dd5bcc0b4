package io.millrace.bench.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The physical limit for {@link LogAppendBenchmark}: the same batch bytes, from the same kind of
 * heap buffer, appended to a plain file with {@link FileChannel#write} and nothing else (no
 * validation, no offsets, no index). With {@code sync=fdatasync} every write is followed by {@code
 * force(false)}, the floor for the {@code every-batch} policy. Same regimes as the log benchmark:
 * {@code burst}, a new file per iteration, deleted afterwards; {@code sustained}, one file for the
 * whole trial.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RawFileAppendBenchmark {

  @Param({"100", "1024"})
  public int recordBytes;

  @Param({"none", "fdatasync"})
  public String sync;

  @Param({"burst"})
  public String regime;

  private Path directory;
  private ByteBuffer batch;
  private int batchRecords;
  private int batchBytes;
  private boolean fdatasync;
  private int iteration;
  private Path file;
  private FileChannel channel;

  @Setup(Level.Trial)
  public void prepare() {
    directory = BenchDirectories.create("raw-append-");
    batch =
        BenchBatches.fitting(
            recordBytes, BenchBatches.TARGET_BATCH_BYTES, System.currentTimeMillis(), 42);
    batchRecords = BenchBatches.recordCount(batch);
    batchBytes = batch.remaining();
    fdatasync =
        switch (sync) {
          case "none" -> false;
          case "fdatasync" -> true;
          default -> throw new IllegalArgumentException("sync must be none or fdatasync: " + sync);
        };
    if (!regime.equals("burst") && !regime.equals("sustained")) {
      throw new IllegalArgumentException("regime must be burst or sustained: " + regime);
    }
  }

  @Setup(Level.Iteration)
  public void startIteration() throws IOException {
    if (channel == null) {
      openFile();
    }
  }

  private void openFile() throws IOException {
    file = directory.resolve("raw-" + iteration++ + ".log");
    channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  @Benchmark
  public void append(Throughput throughput) throws IOException {
    batch.position(0);
    while (batch.hasRemaining()) {
      channel.write(batch);
    }
    if (fdatasync) {
      channel.force(false);
    }
    throughput.records += batchRecords;
    throughput.bytes += batchBytes;
  }

  @TearDown(Level.Iteration)
  public void endIteration() throws IOException {
    if (!regime.equals("sustained")) {
      deleteFile();
    }
  }

  private void deleteFile() throws IOException {
    channel.close();
    channel = null;
    Files.delete(file);
  }

  @TearDown(Level.Trial)
  public void cleanUp() throws IOException {
    try {
      if (channel != null) {
        deleteFile();
      }
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
  }
}
