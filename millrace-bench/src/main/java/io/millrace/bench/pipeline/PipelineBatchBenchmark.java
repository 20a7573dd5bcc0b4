package io.millrace.bench.pipeline;

import io.millrace.engine.task.ProcessedBatch;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.pipeline.runtime.PipelineBatchLogic;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The engine core of a stateless pipeline on one thread: a batch of {@value #BATCH} Nexmark bids
 * (as a task reads them from the log) through filter + mask + map, decoded from JSON and encoded
 * back — everything a task does per batch except the log read and the append. Operations are
 * records, so the score is records per second on one core; {@code -prof gc}'s {@code
 * gc.alloc.rate.norm} is bytes allocated per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PipelineBatchBenchmark {

  static final int BATCH = 1024;

  private final TopicPartition source = new TopicPartition("bids", 0);
  private List<LogRecord> records;
  private PipelineBatchLogic logic;

  @Setup
  public void setUp() {
    records = NexmarkBids.records(BATCH);
    logic = new PipelineBatchLogic(NexmarkBids.compile());
    ProcessedBatch check = logic.process(source, records);
    if (check.byOutput().get(0).isEmpty() || !check.deadLetters().isEmpty()) {
      throw new IllegalStateException("the pipeline should keep most bids and fail none");
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public ProcessedBatch filterMaskMap() {
    return logic.process(source, records);
  }
}
