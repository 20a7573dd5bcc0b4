package io.millrace.pipeline.expression;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.definition.Expression;
import io.millrace.pipeline.definition.InputFormat;
import io.millrace.pipeline.definition.Problems;
import io.millrace.pipeline.definition.SourcePosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random expressions over random records: the closures must give what CEL's runtime gives (the same
 * value and type, or an error on both sides). Seeded; {@code -Ddifferential.seed=N} replays a run
 * and a failure message names its seed.
 */
class ClosureCompilerDifferentialTest {

  private static final int EXPRESSIONS = 1500;
  private static final int RECORDS_PER_EXPRESSION = 12;

  private final ExpressionCompiler compiler = new ExpressionCompiler(InputFormat.JSON);

  @Test
  void closuresShouldAgreeWithCelOnRandomExpressionsAndRecords() throws Exception {
    long seed = Long.getLong("differential.seed", 20261129L);
    SplittableRandom random = new SplittableRandom(seed);
    int compared = 0;
    int compiledToClosures = 0;
    for (int i = 0; i < EXPRESSIONS; i++) {
      String source = random.nextBoolean() ? bool(random, 3) : number(random, 3);
      Problems problems = new Problems();
      CompiledExpression compiled =
          compiler.compile(
              new Expression(source, SourcePosition.startOf("t")),
              ExpressionCompiler.ResultType.ANY,
              "expression",
              problems);
      if (compiled == null) {
        continue; // did not type-check: nothing to compare
      }
      ClosureCompiler.Node closure;
      try {
        closure = ClosureCompiler.compile(compiled.ast());
      } catch (ClosureCompiler.Unsupported e) {
        continue;
      }
      compiledToClosures++;
      CelRuntime.Program program = compiler.runtime().createProgram(compiled.ast());
      for (int r = 0; r < RECORDS_PER_EXPRESSION; r++) {
        PipelineRecord record = record(random);
        Object expected = celResult(program, record);
        Object actual = closureResult(closure, record);
        if (actual == NEEDS_CEL) {
          continue; // CompiledExpression evaluates this record with CEL itself
        }
        assertThat(describe(actual))
            .as("seed %d: `%s` on %s", seed, source, record.value())
            .isEqualTo(describe(expected));
        compared++;
      }
    }
    assertThat(compiledToClosures).as("expressions compiled to closures").isGreaterThan(500);
    assertThat(compared).isGreaterThan(5000);
  }

  private static Object celResult(CelRuntime.Program program, PipelineRecord record) {
    try {
      return program.eval(new RecordVariables().reset(record));
    } catch (CelEvaluationException e) {
      return Failure.INSTANCE;
    }
  }

  private static Object closureResult(ClosureCompiler.Node closure, PipelineRecord record) {
    try {
      return closure.eval(record);
    } catch (ClosureCompiler.EvaluationError e) {
      return Failure.INSTANCE;
    } catch (ClosureCompiler.NeedsCel e) {
      return NEEDS_CEL;
    }
  }

  private static final Object NEEDS_CEL = new Object();

  private enum Failure {
    INSTANCE
  }

  /** Type and value, with NaN equal to itself and CEL's null and lists made plain. */
  private static String describe(Object value) {
    if (value == null || value instanceof dev.cel.common.values.NullValue) {
      return "null";
    }
    if (value instanceof List<?> list) {
      List<String> items = new ArrayList<>();
      list.forEach(item -> items.add(describe(item)));
      return "list" + items;
    }
    return value.getClass().getSimpleName() + ":" + value;
  }

  private static PipelineRecord record(SplittableRandom random) {
    Map<String, Object> value = new LinkedHashMap<>();
    maybePut(random, value, "a", (long) random.nextInt(-5, 6));
    maybePut(random, value, "b", pickLong(random));
    maybePut(random, value, "d", pickDouble(random));
    maybePut(random, value, "s", pick(random, "", "abc", "xabcx", "ABC", "é€𝄞"));
    maybePut(random, value, "t", pick(random, "", "a", "bc", "x"));
    maybePut(random, value, "n", null);
    maybePut(random, value, "l", List.of(1L, 2L, 3L));
    maybePut(random, value, "f", random.nextBoolean());
    // Sometimes a field holds the "wrong" type, as dyn data can.
    if (random.nextInt(8) == 0) {
      value.put(pick(random, "a", "d", "s", "f"), pick(random, "oops", 7L, 2.5, true));
    }
    return new PipelineRecord("in", 1, 9, 0, random.nextBoolean() ? "k" : null, Map.of(), value);
  }

  private static void maybePut(
      SplittableRandom random, Map<String, Object> value, String field, Object fieldValue) {
    if (random.nextInt(10) != 0) {
      value.put(field, fieldValue);
    }
  }

  private static long pickLong(SplittableRandom random) {
    return switch (random.nextInt(4)) {
      case 0 -> Long.MAX_VALUE;
      case 1 -> Long.MIN_VALUE;
      case 2 -> 0L;
      default -> random.nextLong(-1000, 1000);
    };
  }

  private static double pickDouble(SplittableRandom random) {
    return switch (random.nextInt(6)) {
      case 0 -> Double.NaN;
      case 1 -> -0.0;
      case 2 -> 1e19;
      case 3 -> 3.0;
      default -> random.nextInt(-100, 100) / 4.0;
    };
  }

  @SafeVarargs
  private static <T> T pick(SplittableRandom random, T... options) {
    return options[random.nextInt(options.length)];
  }

  private static String bool(SplittableRandom random, int depth) {
    if (depth == 0) {
      return pick(
          random, "true", "false", "value.f", "has(value.a)", "value.n == null", "key == null");
    }
    return switch (random.nextInt(9)) {
      case 0 -> bool(random, depth - 1) + " && " + bool(random, depth - 1);
      case 1 -> bool(random, depth - 1) + " || " + bool(random, depth - 1);
      case 2 -> "!(" + bool(random, depth - 1) + ")";
      case 3, 4 ->
          number(random, depth - 1)
              + pick(random, " < ", " <= ", " > ", " >= ", " == ", " != ")
              + number(random, depth - 1);
      case 5 ->
          string(random, depth - 1)
              + "."
              + pick(random, "contains", "startsWith", "endsWith")
              + "("
              + string(random, depth - 1)
              + ")";
      case 6 ->
          string(random, depth - 1)
              + pick(random, " == ", " != ", " < ")
              + string(random, depth - 1);
      case 7 ->
          "("
              + bool(random, depth - 1)
              + " ? "
              + bool(random, depth - 1)
              + " : "
              + bool(random, depth - 1)
              + ")";
      default -> "value.l == " + pick(random, "[1, 2, 3]", "[1.0, 2.0, 3.0]", "[1, 2]");
    };
  }

  private static String number(SplittableRandom random, int depth) {
    if (depth == 0) {
      return pick(
          random,
          "value.a",
          "value.b",
          "value.d",
          "0",
          "1",
          "2",
          "-3",
          "2.5",
          "0.0",
          "9223372036854775807",
          "size(value.s)",
          "offset",
          "partition");
    }
    return switch (random.nextInt(6)) {
      case 0, 1 ->
          "("
              + number(random, depth - 1)
              + pick(random, " + ", " - ", " * ", " / ", " % ")
              + number(random, depth - 1)
              + ")";
      case 2 -> "-" + number(random, 0);
      case 3 ->
          pick(
              random,
              "int(value.d)",
              "double(value.a)",
              "int(value.a)",
              "value.l[1]",
              "size(value.l)");
      case 4 ->
          "("
              + bool(random, depth - 1)
              + " ? "
              + number(random, depth - 1)
              + " : "
              + number(random, depth - 1)
              + ")";
      default -> number(random, 0);
    };
  }

  private static String string(SplittableRandom random, int depth) {
    if (depth == 0) {
      return pick(
          random,
          "value.s",
          "value.t",
          "''",
          "'ab'",
          "'é'",
          "topic",
          "string(value.a)",
          "string(value.d)",
          "string(value.f)");
    }
    return random.nextBoolean()
        ? string(random, depth - 1) + " + " + string(random, depth - 1)
        : string(random, 0);
  }
}
