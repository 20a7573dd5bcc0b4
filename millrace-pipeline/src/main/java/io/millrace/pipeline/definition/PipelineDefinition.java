package io.millrace.pipeline.definition;

import java.util.List;

/**
 * A pipeline as declared in one YAML file, checked for shape (not yet for types, outputs or topics:
 * see {@code io.millrace.pipeline.PipelineValidator}). Immutable.
 */
public record PipelineDefinition(
    String name,
    Input input,
    List<ProcessorSpec> processors,
    List<Output> outputs,
    ErrorPolicy errors,
    SourcePosition position) {

  public static final int MAX_PROCESSORS = 256;
  public static final int MAX_OUTPUTS = 64;
  public static final int MAX_NAME_LENGTH = 200;

  public PipelineDefinition {
    processors = List.copyOf(processors);
    outputs = List.copyOf(outputs);
  }
}
