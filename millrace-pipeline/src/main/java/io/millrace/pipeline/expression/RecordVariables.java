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

  /** The record this resolver points at. */
  PipelineRecord record() {
    return record;
  }

  @Override
  public Optional<Object> find(String name) {
    return Optional.ofNullable(lookup(name));
  }

  private Object lookup(String name) {
    return switch (name) {
      case ExpressionVariables.VALUE -> withCelNulls(record.value());
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

  /**
   * The value with JSON nulls as CEL's {@code NullValue}: CEL's runtimes fail on a Java null
   * anywhere inside a map or list. Returns {@code value} itself when it holds no null (the common
   * case costs one scan); only CEL's interpreter needs this, compiled closures read nulls as is.
   */
  static Object withCelNulls(Object value) {
    return containsNull(value, 0) ? replaceNulls(value) : value;
  }

  private static boolean containsNull(Object value, int depth) {
    if (depth > io.millrace.pipeline.Values.MAX_JSON_DEPTH) {
      return false;
    }
    if (value instanceof java.util.Map<?, ?> map) {
      for (Object item : map.values()) {
        if (item == null || containsNull(item, depth + 1)) {
          return true;
        }
      }
    } else if (value instanceof java.util.List<?> list) {
      for (Object item : list) {
        if (item == null || containsNull(item, depth + 1)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Object replaceNulls(Object value) {
    if (value == null) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    if (value instanceof java.util.Map<?, ?> map) {
      java.util.Map<Object, Object> copy = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, replaceNulls(v)));
      return copy;
    }
    if (value instanceof java.util.List<?> list) {
      java.util.List<Object> copy = new java.util.ArrayList<>(list.size());
      list.forEach(item -> copy.add(replaceNulls(item)));
      return copy;
    }
    return value;
  }

  private static Timestamp timestamp(long epochMs) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(epochMs, 1000))
        .setNanos((int) (Math.floorMod(epochMs, 1000L) * 1_000_000L))
        .build();
  }
}
