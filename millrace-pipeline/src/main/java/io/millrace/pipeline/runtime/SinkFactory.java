package io.millrace.pipeline.runtime;

import io.millrace.engine.sink.Sink;
import io.millrace.pipeline.definition.Output;

/**
 * Creates the {@link Sink} of a sink output: the runtime calls it once per task and sink output, so
 * each task owns its own instance (sinks need not be thread-safe). Implementations may share
 * resources between the instances of one output, such as a connection pool; they are released when
 * the factory itself is closed, if it is {@link AutoCloseable}.
 *
 * <p>Threading: {@link #create} may be called from any thread.
 */
@FunctionalInterface
public interface SinkFactory {

  /**
   * A new sink for {@code output} of pipeline {@code pipeline}.
   *
   * @throws IllegalArgumentException when the output is of a kind this factory cannot deliver to
   */
  Sink create(String pipeline, Output.SinkOutput output);

  /** A factory for runtimes without sinks: every sink output is refused with this reason. */
  static SinkFactory unavailable(String reason) {
    return (pipeline, output) -> {
      throw new IllegalArgumentException(reason);
    };
  }
}
