package io.millrace.pipeline.processor;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.millrace.pipeline.definition.Problems;
import io.millrace.pipeline.definition.ProcessorSpec;
import io.millrace.pipeline.expression.CompiledExpression;
import io.millrace.pipeline.expression.ExpressionCompiler;
import io.millrace.pipeline.expression.ExpressionCompiler.ResultType;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Processor} from its {@link ProcessorSpec}: compiles and type-checks its
 * expressions, compiles its JSON Schema (checked against the 2020-12 meta-schema first). Reports
 * every problem to {@link Problems} and returns null for a processor that cannot be built. Not
 * thread-safe (shares the caller's {@link Problems}).
 */
public final class ProcessorFactory {

  private static final String META_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema";
  private static final int MAX_SCHEMA_PROBLEMS = 10;

  private final ExpressionCompiler expressions;
  private final Problems problems;

  /**
   * Schemas resolve only what ships with the library (the meta-schemas): never fetch a {@code $ref}
   * from the network while validating a file or, worse, while processing records.
   */
  private final SchemaRegistry schemas =
      SchemaRegistry.withDefaultDialect(
          SpecificationVersion.DRAFT_2020_12,
          builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));

  public ProcessorFactory(ExpressionCompiler expressions, Problems problems) {
    this.expressions = expressions;
    this.problems = problems;
  }

  public Processor create(ProcessorSpec spec) {
    return switch (spec) {
      case ProcessorSpec.Filter f -> {
        CompiledExpression condition =
            expressions.compile(f.condition(), ResultType.BOOL, "filter condition", problems);
        yield condition == null ? null : new FilterProcessor(condition);
      }
      case ProcessorSpec.Key k -> {
        CompiledExpression expression =
            expressions.compile(k.expression(), ResultType.ANY, "key expression", problems);
        yield expression == null ? null : new KeyProcessor(expression);
      }
      case ProcessorSpec.MapFields m -> createMap(m);
      case ProcessorSpec.Mask m -> new MaskProcessor(m.rules());
      case ProcessorSpec.Redact r -> new RedactProcessor(r.fields(), r.patterns());
      case ProcessorSpec.Parse p -> new ParseProcessor(p);
      case ProcessorSpec.Validate v -> createValidate(v);
      case ProcessorSpec.Route r -> createRoute(r);
      case ProcessorSpec.Explode e -> new ExplodeProcessor(e.field());
      case ProcessorSpec.Metadata m -> new MetadataProcessor(m.fields());
    };
  }

  private Processor createMap(ProcessorSpec.MapFields spec) {
    List<MapProcessor.Assignment> set = new ArrayList<>();
    for (ProcessorSpec.FieldAssignment assignment : spec.set()) {
      CompiledExpression value =
          expressions.compile(
              assignment.value(), ResultType.ANY, "expression for " + assignment.field(), problems);
      if (value != null) {
        set.add(new MapProcessor.Assignment(assignment.field(), value));
      }
    }
    return set.size() == spec.set().size()
        ? new MapProcessor(set, spec.rename(), spec.remove())
        : null;
  }

  private Processor createRoute(ProcessorSpec.Route spec) {
    List<RouteProcessor.Case> cases = new ArrayList<>();
    for (ProcessorSpec.RouteCase routeCase : spec.cases()) {
      CompiledExpression when =
          expressions.compile(routeCase.when(), ResultType.BOOL, "route condition", problems);
      if (when != null) {
        cases.add(new RouteProcessor.Case(when, routeCase.output()));
      }
    }
    return cases.size() == spec.cases().size()
        ? new RouteProcessor(cases, spec.defaultOutput())
        : null;
  }

  private Processor createValidate(ProcessorSpec.Validate spec) {
    try {
      Schema metaSchema = schemas.getSchema(SchemaLocation.of(META_SCHEMA_2020_12));
      List<Error> errors = metaSchema.validate(spec.schema());
      if (!errors.isEmpty()) {
        errors.stream()
            .limit(MAX_SCHEMA_PROBLEMS)
            .forEach(
                e ->
                    problems.add(
                        spec.position(),
                        "bad JSON Schema: " + e.getInstanceLocation() + ": " + e.getMessage(),
                        "the schema must be valid JSON Schema 2020-12"));
        return null;
      }
      Schema schema = schemas.getSchema(spec.schema());
      // References resolve lazily; validating one value now makes an unloadable $ref fail here,
      // at its position in the file, rather than on every record.
      schema.validate(com.fasterxml.jackson.databind.node.NullNode.getInstance());
      return new ValidateProcessor(schema);
    } catch (SchemaException e) {
      problems.add(
          spec.position(),
          "bad JSON Schema: " + e.getMessage(),
          "the schema must be valid JSON Schema 2020-12; a $ref must point inside the schema"
              + " (remote references are never fetched)");
      return null;
    }
  }
}
