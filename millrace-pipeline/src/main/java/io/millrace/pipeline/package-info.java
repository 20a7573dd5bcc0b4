/**
 * Declarative pipelines, first layer: the YAML definition, its validation, and the stateless
 * processors as pure functions. Running pipelines (tasks, offsets, dead-letter writes) is the next
 * layer and is not here.
 *
 * <h2>Layers</h2>
 *
 * <ul>
 *   <li>{@code definition}: the YAML tree with positions ({@code YamlReader}, {@code ${ENV}}
 *       substitution), the immutable model ({@code PipelineDefinition}, one {@code ProcessorSpec}
 *       record per processor kind) and the shape checks ({@code DefinitionReader}).
 *   <li>{@code expression}: CEL compilation and type checking ({@code ExpressionCompiler}), the
 *       variables an expression sees ({@code ExpressionVariables}); evaluation by closures compiled
 *       from the checked syntax tree ({@code ClosureCompiler}) or, outside their subset, by CEL's
 *       planner runtime with a reusable resolver over a record ({@code RecordVariables}).
 *   <li>{@code processor}: one class per processor kind, each a pure function from a {@link
 *       io.millrace.pipeline.PipelineRecord} to a {@code ProcessResult}.
 *   <li>this package: {@link io.millrace.pipeline.PipelineValidator} ties them together and yields
 *       a {@link io.millrace.pipeline.CompiledPipeline} or every problem at its file:line:column.
 * </ul>
 *
 * <h2>The record model, and why</h2>
 *
 * A {@link io.millrace.pipeline.PipelineRecord} carries its source coordinates and a value that is
 * either a {@code String} (text input) or a tree of plain Java {@code Map}/{@code List}/{@code
 * String}/{@code Long}/{@code Double}/{@code Boolean}/null ({@link io.millrace.pipeline.Values}).
 * We chose this because it is exactly what CEL's runtime accepts without conversion (CEL wants
 * {@code Long}, never {@code Integer}), because JSON and CSV both decode into it with Jackson's
 * streaming parser (no {@code JsonNode} tree, no second copy), and because it keeps every processor
 * a small, obviously correct function: correctness first.
 *
 * <p>What it costs: today a record's value is decoded whole before the first processor, and a
 * processor that changes a field copies the maps along that field's path (records are immutable, so
 * a record can go to several outputs and to the dead letters unchanged). The runtime layer will
 * replace the eager decode with a projection: the checked CEL syntax trees tell which top-level
 * fields a pipeline reads, and a pipeline that only filters can decide on those fields and pass the
 * original bytes through untouched. Why expressions run as closures compiled from CEL's checked
 * syntax tree rather than in CEL's interpreter, with the figures, is in {@code docs/benchmarks.md}.
 *
 * <h2>Threading</h2>
 *
 * Validation is single-threaded per file. {@code CompiledPipeline} and every {@code Processor} are
 * immutable and thread-safe; the {@code RecordVariables} scratch object is per task.
 */
package io.millrace.pipeline;
