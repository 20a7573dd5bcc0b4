package io.millrace.pipeline.expression;

import com.google.protobuf.Timestamp;
import dev.cel.runtime.CelVariableResolver;
import io.millrace.pipeline.PipelineRecord;
import java.util.Optional;

/**
 * Resolves the expression variables ({@link ExpressionVariables}) from one record, lazily: a
 * variable the expression does not read costs nothing. Reusable: {@link #reset} points it at the
 * next record, so a task evaluates a whole batch with one instance. Not thread-safe: one per task.
 */
public final class RecordVariables implements CelVariableResolver {

  private PipelineRecord record;

  /** Points this resolver at {@code next} and returns it. */
  public RecordVariables reset(PipelineRecord next) {
    this.record = next;
    return this;
  }

  @Override
  public Optional<Object> find(String name) {
    return Optional.ofNullable(lookup(name));
  }

  private Object lookup(String name) {
    return switch (name) {
      case ExpressionVariables.VALUE -> record.value();
      case ExpressionVariables.KEY ->
          record.key() == null ? dev.cel.common.values.NullValue.NULL_VALUE : record.key();
      case ExpressionVariables.HEADERS -> record.headers();
      case ExpressionVariables.TIMESTAMP -> timestamp(record.timestampMs());
      case ExpressionVariables.TOPIC -> record.topic();
      case ExpressionVariables.PARTITION -> (long) record.partition();
      case ExpressionVariables.OFFSET -> record.offset();
      default -> null;
    };
  }

  private static Timestamp timestamp(long epochMs) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(epochMs, 1000))
        .setNanos((int) (Math.floorMod(epochMs, 1000L) * 1_000_000L))
        .build();
  }
}
