package io.millrace.pipeline;

import io.millrace.pipeline.definition.PipelineDefinition;
import io.millrace.pipeline.processor.Processor;
import java.util.List;

/**
 * A validated pipeline: its definition and one built {@link Processor} per declared processor, in
 * order. What the runtime (not built yet) will run, one task per input partition. Immutable and
 * thread-safe.
 */
public record CompiledPipeline(PipelineDefinition definition, List<Processor> processors) {
  public CompiledPipeline {
    processors = List.copyOf(processors);
  }
}
