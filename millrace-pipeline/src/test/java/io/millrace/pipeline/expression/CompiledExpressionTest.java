package io.millrace.pipeline.expression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.definition.Expression;
import io.millrace.pipeline.definition.InputFormat;
import io.millrace.pipeline.definition.Problems;
import io.millrace.pipeline.definition.SourcePosition;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which expressions run as closures, and the CEL corner cases the differential test found. */
class CompiledExpressionTest {

  private final ExpressionCompiler compiler = new ExpressionCompiler(InputFormat.JSON);

  private CompiledExpression compile(String source) {
    Problems problems = new Problems();
    CompiledExpression compiled =
        compiler.compile(
            new Expression(source, SourcePosition.startOf("t")),
            ExpressionCompiler.ResultType.ANY,
            "expression",
            problems);
    assertThat(problems.sorted()).isEmpty();
    return compiled;
  }

  private static PipelineRecord record(Object... keysAndValues) {
    Map<String, Object> value = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      value.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return new PipelineRecord("in", 0, 5, 1_000, null, Map.of("h", "v"), value);
  }

  @Test
  void typicalFiltersAndMapsShouldRunAsClosures() {
    assertThat(compile("value.price > 100 && value.auction % 2 == 0").isCompiledToClosures())
        .isTrue();
    assertThat(compile("double(value.price) * 0.908").isCompiledToClosures()).isTrue();
    assertThat(compile("headers['h'] == 'v' && has(value.x)").isCompiledToClosures()).isTrue();
  }

  @Test
  void expressionsOutsideTheSubsetShouldFallBackToCel() throws Exception {
    CompiledExpression timestamps = compile("timestamp > timestamp('1970-01-01T00:00:00Z')");
    assertThat(timestamps.isCompiledToClosures()).isFalse();
    assertThat(timestamps.evaluate(record())).isEqualTo(true);
    CompiledExpression macro = compile("value.items.exists(i, i > 2)");
    assertThat(macro.isCompiledToClosures()).isFalse();
    assertThat(macro.evaluate(record("items", Arrays.asList(1L, 3L)))).isEqualTo(true);
  }

  @Test
  void celFallbackShouldReadJsonNullsInsideTheValue() throws Exception {
    CompiledExpression fallback = compile("value.items.exists(i, i == null)");
    assertThat(fallback.isCompiledToClosures()).isFalse();
    assertThat(fallback.evaluate(record("items", Arrays.asList(1L, null), "n", null)))
        .isEqualTo(true);
  }

  @Test
  void shouldMatchCelOnSignedZeroAndNaN() throws Exception {
    PipelineRecord negativeZero = record("d", -0.0);
    assertThat(compile("0.0 <= value.d").evaluate(negativeZero)).isEqualTo(true);
    assertThat(compile("value.d == 0.0").evaluate(negativeZero)).isEqualTo(true);
    assertThat(compile("0 <= value.d").evaluate(negativeZero)).isEqualTo(false);
    PipelineRecord nan = record("d", Double.NaN);
    assertThat(compile("value.d == value.d").evaluate(nan)).isEqualTo(true);
    assertThat(compile("value.d < 1.0").evaluate(nan)).isEqualTo(false);
    assertThat(compile("1 < value.d").evaluate(nan)).isEqualTo(true);
  }

  @Test
  void andShouldAbsorbAnErrorOnEitherSideWhenTheOtherIsFalse() throws Exception {
    assertThat(compile("value.missing > 1 && false").evaluate(record())).isEqualTo(false);
    assertThat(compile("false && value.missing > 1").evaluate(record())).isEqualTo(false);
    assertThat(compile("value.missing > 1 || true").evaluate(record())).isEqualTo(true);
    assertThatThrownBy(() -> compile("value.missing > 1 && true").evaluate(record()))
        .isInstanceOf(CompiledExpression.ExpressionFailure.class)
        .hasMessageContaining("no such key: missing");
  }

  @Test
  void integerOverflowShouldBeAFailure() {
    assertThatThrownBy(() -> compile("value.n * 2").evaluate(record("n", Long.MAX_VALUE)))
        .isInstanceOf(CompiledExpression.ExpressionFailure.class)
        .hasMessageContaining("overflow");
  }
}
