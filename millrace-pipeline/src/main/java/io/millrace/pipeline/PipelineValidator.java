package io.millrace.pipeline;

import io.millrace.common.DidYouMean;
import io.millrace.pipeline.definition.DefinitionReader;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.definition.InputFormat;
import io.millrace.pipeline.definition.Output;
import io.millrace.pipeline.definition.PipelineDefinition;
import io.millrace.pipeline.definition.Problems;
import io.millrace.pipeline.definition.ProcessorSpec;
import io.millrace.pipeline.definition.SourcePosition;
import io.millrace.pipeline.definition.TopicRef;
import io.millrace.pipeline.definition.YamlNode;
import io.millrace.pipeline.definition.YamlReader;
import io.millrace.pipeline.expression.ExpressionCompiler;
import io.millrace.pipeline.processor.Processor;
import io.millrace.pipeline.processor.ProcessorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Validates a pipeline file before anything starts: YAML shape, settings, regular expressions, CEL
 * expressions (parsed and type-checked), JSON Schemas, the kind of value each processor needs (map
 * or text), route targets, and — when a set of known topics is given — that every topic exists.
 * Collects all problems, each at its {@code file:line:column}. Thread-safe (holds only the
 * environment).
 */
public final class PipelineValidator {

  private final EnvironmentSubstitution environment;

  public PipelineValidator(EnvironmentSubstitution environment) {
    this.environment = environment;
  }

  /**
   * @param file the name printed in positions
   * @param knownTopics the topics of the target server, or empty to skip the topic check
   */
  public ValidationReport validate(String file, String text, Optional<Set<String>> knownTopics) {
    Problems problems = new Problems();
    List<String> notes = new ArrayList<>();
    YamlNode root = new YamlReader(file, environment, problems).read(text);
    PipelineDefinition definition = root == null ? null : new DefinitionReader(problems).read(root);
    CompiledPipeline pipeline = null;
    if (definition != null && definition.input() != null) {
      List<Processor> processors = buildProcessors(definition, problems);
      checkValueKinds(definition, problems);
      checkRoutes(definition, problems);
      if (knownTopics.isPresent()) {
        checkTopics(definition, knownTopics.get(), problems);
      } else {
        notes.add("topics not checked: no server given (use --bootstrap HOST:PORT)");
      }
      if (problems.isEmpty()) {
        pipeline = new CompiledPipeline(definition, processors);
      }
    }
    if (problems.dropped() > 0) {
      notes.add(problems.dropped() + " more problems not shown");
    }
    return new ValidationReport(file, pipeline, problems.sorted(), notes);
  }

  private static List<Processor> buildProcessors(PipelineDefinition definition, Problems problems) {
    ExpressionCompiler expressions = new ExpressionCompiler(definition.input().format());
    ProcessorFactory factory = new ProcessorFactory(expressions, problems);
    List<Processor> processors = new ArrayList<>();
    for (ProcessorSpec spec : definition.processors()) {
      Processor processor = factory.create(spec);
      if (processor != null) {
        processors.add(processor);
      }
    }
    return processors;
  }

  /**
   * Text input stays a string until a parse turns it into a map; processors need one or the other.
   */
  private static void checkValueKinds(PipelineDefinition definition, Problems problems) {
    boolean isMap = definition.input().format() != InputFormat.TEXT;
    for (ProcessorSpec spec : definition.processors()) {
      boolean needsMap =
          switch (spec) {
            case ProcessorSpec.MapFields m -> true;
            case ProcessorSpec.Mask m -> true;
            case ProcessorSpec.Metadata m -> true;
            case ProcessorSpec.Explode e -> true;
            case ProcessorSpec.Redact r -> !r.fields().isEmpty();
            case ProcessorSpec.Parse p -> p.field() != null;
            default -> isMap;
          };
      boolean needsText =
          switch (spec) {
            case ProcessorSpec.Redact r -> r.fields().isEmpty();
            case ProcessorSpec.Parse p -> p.field() == null;
            default -> false;
          };
      if (needsMap && !isMap) {
        problems.add(
            spec.position(),
            spec.kind() + " needs a map value, but the value is text here",
            "add a parse processor before it, or use format: json");
      } else if (needsText && isMap) {
        String hint =
            spec instanceof ProcessorSpec.Redact
                ? "name the string fields to redact in 'fields'"
                : "name the string field to parse in 'field'";
        problems.add(
            spec.position(),
            spec.kind() + " without fields works on a text value, but the value is a map here",
            hint);
      }
      if (spec instanceof ProcessorSpec.Parse) {
        isMap = true;
      }
    }
  }

  private static void checkRoutes(PipelineDefinition definition, Problems problems) {
    List<String> outputNames = definition.outputs().stream().map(Output::name).toList();
    List<ProcessorSpec> processors = definition.processors();
    for (int i = 0; i < processors.size(); i++) {
      if (!(processors.get(i) instanceof ProcessorSpec.Route route)) {
        continue;
      }
      if (i != processors.size() - 1) {
        problems.add(
            route.position(),
            "route must be the last processor",
            "move it to the end of processors");
      }
      for (ProcessorSpec.RouteCase routeCase : route.cases()) {
        checkOutput(routeCase.output(), routeCase.outputPosition(), outputNames, problems);
      }
      if (route.defaultOutput() != null) {
        checkOutput(route.defaultOutput(), route.defaultPosition(), outputNames, problems);
      }
    }
  }

  private static void checkOutput(
      String name, SourcePosition at, List<String> outputNames, Problems problems) {
    if (!outputNames.contains(name)) {
      problems.add(
          at,
          "route target '" + name + "' is not a declared output",
          outputNames.isEmpty() ? "declare it under outputs" : DidYouMean.hint(name, outputNames));
    }
  }

  private static void checkTopics(
      PipelineDefinition definition, Set<String> known, Problems problems) {
    List<TopicRef> topics = new ArrayList<>(definition.input().topics());
    for (Output output : definition.outputs()) {
      if (output instanceof Output.TopicOutput topicOutput) {
        topics.add(topicOutput.topic());
      }
    }
    if (definition.errors().deadLetterTopic() != null) {
      topics.add(definition.errors().deadLetterTopic());
    }
    for (TopicRef topic : topics) {
      if (!known.contains(topic.name())) {
        String hint =
            known.isEmpty()
                ? "create it with: millrace topic create " + topic.name()
                : DidYouMean.hint(topic.name(), known.stream().sorted().limit(50).toList())
                        .replace("expected one of", "existing topics")
                    + "; or create it with: millrace topic create "
                    + topic.name();
        problems.add(topic.position(), "unknown topic '" + topic.name() + "'", hint);
      }
    }
  }
}
