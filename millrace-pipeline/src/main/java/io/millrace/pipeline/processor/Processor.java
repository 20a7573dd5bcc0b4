package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.expression.RecordVariables;

/**
 * One stateless step of a pipeline: a pure function from a record to a {@link ProcessResult} (zero,
 * one or many records, a routing decision, or a failure for the dead letters). Never throws for bad
 * data. Implementations are immutable and thread-safe; the {@link RecordVariables} scratch object
 * passed in belongs to the calling task.
 */
public interface Processor {

  ProcessResult apply(PipelineRecord record, RecordVariables variables);

  /** The YAML kind, for metrics and dead-letter reasons. */
  String kind();
}
