package io.millrace.bench.pipeline;

import dev.cel.common.CelOptions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.Expression;
import io.millrace.pipeline.definition.InputFormat;
import io.millrace.pipeline.definition.Problems;
import io.millrace.pipeline.definition.SourcePosition;
import io.millrace.pipeline.expression.CompiledExpression;
import io.millrace.pipeline.expression.ExpressionCompiler;
import io.millrace.pipeline.expression.RecordVariables;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How fast can a pipeline evaluate its expressions? Evaluations per second of a typical filter and
 * a typical map expression over a batch of {@value #BATCH} decoded ~100-byte Nexmark-like bid
 * records, four ways:
 *
 * <ol>
 *   <li>{@code celFreshMap}: CEL's default runtime, a new {@code Map} activation per record (what
 *       the design notes measured at ~300k/s);
 *   <li>{@code celResolver}: the same compiled program with one reused {@link RecordVariables}
 *       resolver;
 *   <li>{@code celPlanner}: CEL's newer planner runtime with the reused resolver;
 *   <li>{@code millrace}: what {@code millrace-pipeline} does: {@link CompiledExpression#evaluate},
 *       which runs the checked AST compiled to Java closures over the record (falling back to CEL's
 *       planner for expressions outside the compiled subset).
 * </ol>
 *
 * Plus {@code decodeJson}: bytes to the value map, the cost every strategy pays first today. Setup
 * checks that every strategy gives the same results on every record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CelEvaluationBenchmark {

  static final int BATCH = 1024;

  /** filter: the condition; map: Nexmark q1's currency conversion. */
  @Param({"filter", "map"})
  public String expression;

  private PipelineRecord[] records;
  private byte[][] encoded;
  private CompiledExpression compiled;
  private CelRuntime.Program standardProgram;
  private CelRuntime.Program plannerProgram;
  private final RecordVariables variables = new RecordVariables();

  @Setup
  public void setUp() throws Exception {
    String source =
        expression.equals("filter")
            ? "value.price > 100 && value.auction % 2 == 0"
            : "double(value.price) * 0.908";
    Problems problems = new Problems();
    compiled =
        new ExpressionCompiler(InputFormat.JSON)
            .compile(
                new Expression(source, SourcePosition.startOf("bench")),
                ExpressionCompiler.ResultType.ANY,
                "expression",
                problems);
    if (compiled == null) {
      throw new IllegalStateException(problems.sorted().toString());
    }
    CelOptions options = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
    standardProgram =
        CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(options)
            .build()
            .createProgram(compiled.ast());
    plannerProgram =
        CelRuntimeFactory.plannerRuntimeBuilder()
            .setOptions(options)
            .build()
            .createProgram(compiled.ast());
    if (!compiled.isCompiledToClosures()) {
      throw new IllegalStateException("expected closures for " + source);
    }
    SplittableRandom random = new SplittableRandom(42);
    records = new PipelineRecord[BATCH];
    encoded = new byte[BATCH][];
    for (int i = 0; i < BATCH; i++) {
      String json =
          "{\"auction\":%d,\"bidder\":%d,\"price\":%d,\"channel\":\"channel-%d\",\"url\":\"https://x.io/%d\",\"dateTime\":%d}"
              .formatted(
                  1000 + random.nextInt(1000),
                  random.nextInt(100_000),
                  random.nextInt(10_000),
                  random.nextInt(10),
                  random.nextInt(1000),
                  1_700_000_000_000L + i);
      encoded[i] = json.getBytes(StandardCharsets.UTF_8);
      records[i] =
          new PipelineRecord(
              "bids", 0, i, 1_700_000_000_000L + i, null, Map.of(), Values.decodeJson(encoded[i]));
    }
    checkAllStrategiesAgree();
  }

  private void checkAllStrategiesAgree() throws Exception {
    for (PipelineRecord record : records) {
      Object expected = compiled.evaluate(record);
      Object[] actual = {
        standardProgram.eval(activation(record)), plannerProgram.eval(variables.reset(record))
      };
      for (Object a : actual) {
        if (!Objects.equals(expected, a)) {
          throw new IllegalStateException(
              "strategies disagree on " + record + ": " + expected + " vs " + a);
        }
      }
    }
  }

  /** The activation a straightforward integration builds for every record. */
  private static Map<String, Object> activation(PipelineRecord record) {
    Map<String, Object> activation = new HashMap<>();
    activation.put("value", record.value());
    activation.put(
        "key", record.key() == null ? dev.cel.common.values.NullValue.NULL_VALUE : record.key());
    activation.put("headers", record.headers());
    activation.put("topic", record.topic());
    activation.put("partition", (long) record.partition());
    activation.put("offset", record.offset());
    return activation;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void celFreshMap(Blackhole blackhole) throws CelEvaluationException {
    for (PipelineRecord record : records) {
      blackhole.consume(standardProgram.eval(activation(record)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void celResolver(Blackhole blackhole) throws CelEvaluationException {
    for (PipelineRecord record : records) {
      blackhole.consume(standardProgram.eval(variables.reset(record)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void celPlanner(Blackhole blackhole) throws CelEvaluationException {
    for (PipelineRecord record : records) {
      blackhole.consume(plannerProgram.eval(variables.reset(record)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void millrace(Blackhole blackhole) throws CompiledExpression.ExpressionFailure {
    for (PipelineRecord record : records) {
      blackhole.consume(compiled.evaluate(variables.reset(record)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void decodeJson(Blackhole blackhole) throws Values.BadDataException {
    for (byte[] bytes : encoded) {
      blackhole.consume(Values.decodeJson(bytes));
    }
  }
}
