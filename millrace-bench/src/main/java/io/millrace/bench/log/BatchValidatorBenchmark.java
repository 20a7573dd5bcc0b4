package io.millrace.bench.log;

import io.millrace.log.format.BatchStamper;
import io.millrace.log.format.BatchValidator;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU part of an append, without the file: validating one ~16 KiB batch (CRC-32C and the walk
 * over every record) and stamping its offsets. Subtracting these from {@link LogAppendBenchmark}
 * shows how much of an append is the write itself.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BatchValidatorBenchmark {

  @Param({"100", "1024"})
  public int recordBytes;

  private ByteBuffer batch;
  private BatchValidator validator;
  private long nextOffset;

  @Setup(Level.Trial)
  public void buildBatch() {
    batch =
        BenchBatches.fitting(
            recordBytes, BenchBatches.TARGET_BATCH_BYTES, System.currentTimeMillis(), 42);
    validator = new BatchValidator();
  }

  @Benchmark
  public BatchValidator.Result validate() {
    BatchValidator.Result result = validator.validate(batch, Integer.MAX_VALUE, false);
    if (!result.isValid()) {
      throw new IllegalStateException(result.message());
    }
    return result;
  }

  @Benchmark
  public long stamp() {
    nextOffset = BatchStamper.stamp(batch, nextOffset, BatchStamper.KEEP_CREATE_TIME);
    return nextOffset;
  }
}
