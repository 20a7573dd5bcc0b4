package io.millrace.bench.log;

import io.millrace.log.AppendResult;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Sequential read throughput of one partition, as a consumer tailing it would read: each operation
 * is one {@link PartitionLog#read} of at most {@code maxBytes} from where the previous one stopped,
 * wrapping to the start at the end. The partition ({@link #PARTITION_BYTES} of ~16 KiB batches of 1
 * KiB records) is written once per trial, so reads are served from the page cache: this measures
 * the log's read path, not the disk.
 *
 * <ul>
 *   <li>{@code logRead}: {@link LogSlice#read()} into a heap buffer (what an in-process consumer
 *       gets);
 *   <li>{@code logTransferTo}: {@link LogSlice#transferTo} to a {@link FileChannel} on {@code
 *       /dev/null} (the zero-copy fetch path; the kernel discards the bytes, so this is the cost of
 *       the log's lookup and of sendfile itself);
 *   <li>{@code rawRead} and {@code rawTransferTo}: the same file read with plain {@code
 *       FileChannel} calls in {@code maxBytes} steps into a reused buffer, the physical limits.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LogReadBenchmark {

  /** Data in the partition read. Well under one segment, so every read hits the same file. */
  public static final long PARTITION_BYTES = 256L << 20;

  @Param({"65536", "1048576"})
  public int maxBytes;

  private Path directory;
  private Log log;
  private PartitionLog partition;
  private FileChannel segmentFile;
  private long segmentBytes;
  private FileChannel nullSink;
  private ByteBuffer rawBuffer;
  private long nextOffset;
  private long rawPosition;

  @Setup(Level.Trial)
  public void writePartition() throws IOException {
    directory = BenchDirectories.create("read-");
    log = Log.open(LogOptions.defaults(directory));
    log.createTopic("read", 1, Map.of(TopicConfig.FLUSH_POLICY, "os"));
    partition = log.partition(new TopicPartition("read", 0));
    ByteBuffer batch =
        BenchBatches.fitting(1024, BenchBatches.TARGET_BATCH_BYTES, System.currentTimeMillis(), 7);
    while (partition.sizeBytes() < PARTITION_BYTES) {
      AppendResult result = partition.append(batch);
      if (!result.isOk()) {
        throw new IllegalStateException("append failed: " + result.message());
      }
    }
    partition.flush();
    if (partition.segmentCount() != 1) {
      throw new IllegalStateException("expected one segment, found " + partition.segmentCount());
    }
    segmentFile =
        FileChannel.open(
            LogSegment.logPath(directory.resolve("topics/read/0"), 0), StandardOpenOption.READ);
    segmentBytes = segmentFile.size();
    nullSink = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
    rawBuffer = ByteBuffer.allocate(maxBytes);
    nextOffset = partition.logStartOffset();
    System.out.printf(
        "%nread: %d bytes in %d batches' worth of offsets [0, %d), data on %s%n",
        segmentBytes,
        segmentBytes / batch.remaining(),
        partition.logEndOffset(),
        BenchDirectories.describe(directory));
  }

  private LogSlice nextSlice() {
    if (nextOffset >= partition.logEndOffset()) {
      nextOffset = partition.logStartOffset();
    }
    LogSlice slice = partition.read(nextOffset, maxBytes);
    nextOffset = slice.nextOffset();
    return slice;
  }

  @Benchmark
  public void logRead(Throughput throughput, Blackhole blackhole) throws IOException {
    ByteBuffer bytes = nextSlice().read();
    blackhole.consume(bytes);
    throughput.bytes += bytes.remaining();
  }

  @Benchmark
  public void logTransferTo(Throughput throughput) throws IOException {
    LogSlice slice = nextSlice();
    long sent = slice.transferTo(nullSink);
    if (sent != slice.sizeBytes()) {
      throw new IllegalStateException("sent " + sent + " of " + slice.sizeBytes());
    }
    throughput.bytes += sent;
  }

  private long nextRawPosition() {
    if (rawPosition >= segmentBytes) {
      rawPosition = 0;
    }
    long position = rawPosition;
    rawPosition += maxBytes;
    return position;
  }

  @Benchmark
  public void rawRead(Throughput throughput, Blackhole blackhole) throws IOException {
    long position = nextRawPosition();
    rawBuffer.clear();
    int length = (int) Math.min(maxBytes, segmentBytes - position);
    rawBuffer.limit(length);
    while (rawBuffer.hasRemaining()) {
      if (segmentFile.read(rawBuffer, position + rawBuffer.position()) < 0) {
        throw new IllegalStateException("end of file");
      }
    }
    blackhole.consume(rawBuffer);
    throughput.bytes += length;
  }

  @Benchmark
  public void rawTransferTo(Throughput throughput) throws IOException {
    long position = nextRawPosition();
    long length = Math.min(maxBytes, segmentBytes - position);
    long sent = 0;
    while (sent < length) {
      sent += segmentFile.transferTo(position + sent, length - sent, nullSink);
    }
    throughput.bytes += sent;
  }

  @TearDown(Level.Trial)
  public void cleanUp() throws IOException {
    try {
      nullSink.close();
      segmentFile.close();
      log.close();
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
  }
}
