package io.millrace.bench.log;

import io.millrace.log.AppendResult;
import io.millrace.log.FlushPolicy;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * The in-process write path against the raw append it sits on, in the same run: {@code topicWriter}
 * hands {@code recordsPerWrite} records of {@code recordBytes} random bytes (no key, no headers,
 * one partition) to {@link TopicWriter#tryWrite}, which encodes a batch, reserves the backpressure
 * budget and appends it; {@code rawAppend} appends a prebuilt batch of the same records with {@link
 * PartitionLog#append}. The difference is the cost of encoding and budgeting. One operation is one
 * call; the {@link Throughput} counters give records/s. Topics use flush.policy=os and a new topic
 * per iteration (the burst regime of {@link LogAppendBenchmark}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TopicWriterBenchmark {

  @Param({"100"})
  public int recordBytes;

  @Param({"1", "150"})
  public int recordsPerWrite;

  private Path directory;
  private Log log;
  private TopicWriter writer;
  private List<WriteRecord> records;
  private ByteBuffer prebuilt;
  private int iteration;
  private String topic;
  private PartitionLog partition;

  @Setup(Level.Trial)
  public void openLog() throws IOException {
    directory = BenchDirectories.create("writer-");
    log = Log.open(LogOptions.defaults(directory));
    writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    Random random = new Random(42);
    records = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < recordsPerWrite; i++) {
      byte[] value = new byte[recordBytes];
      random.nextBytes(value);
      records.add(new WriteRecord(0, null, value, List.of(), now));
    }
    records = List.copyOf(records);
    prebuilt = BenchBatches.ofCount(recordBytes, recordsPerWrite, now, 42);
    System.out.printf(
        "%nwriter: %d records of %d bytes per call, data on %s%n",
        recordsPerWrite, recordBytes, BenchDirectories.describe(directory));
  }

  @Setup(Level.Iteration)
  public void createTopic() {
    topic = "writer-" + iteration++;
    log.createTopic(topic, 1, Map.of(TopicConfig.FLUSH_POLICY, FlushPolicy.OS.configName()));
    partition = log.partition(new TopicPartition(topic, 0));
  }

  @Benchmark
  public void topicWriter(Throughput throughput, Blackhole blackhole) {
    WriteResult result = writer.tryWrite(topic, records);
    if (!result.isOk()) {
      throw new IllegalStateException("write failed: " + result);
    }
    blackhole.consume(result);
    throughput.records += recordsPerWrite;
  }

  @Benchmark
  public void rawAppend(Throughput throughput, Blackhole blackhole) {
    AppendResult result = partition.append(prebuilt);
    if (!result.isOk()) {
      throw new IllegalStateException("append failed: " + result.status());
    }
    blackhole.consume(result);
    throughput.records += recordsPerWrite;
  }

  @TearDown(Level.Iteration)
  public void deleteTopic() {
    log.deleteTopic(topic);
  }

  @TearDown(Level.Trial)
  public void closeLog() throws IOException {
    try {
      log.close();
    } finally {
      BenchDirectories.deleteRecursively(directory);
    }
  }
}
