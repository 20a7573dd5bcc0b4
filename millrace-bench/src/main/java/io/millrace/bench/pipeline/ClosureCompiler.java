package io.millrace.bench.pipeline;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import io.millrace.pipeline.PipelineRecord;
import java.util.List;
import java.util.Map;

/**
 * PROTOTYPE for the CEL measurement, not used by pipelines: compiles a subset of a checked CEL
 * syntax tree into a tree of Java closures over {@link PipelineRecord}, the alternative to CEL's
 * interpreter that the design notes name. Subset: the variables value, key, topic, partition and
 * offset; field selection on maps; int, double, string, bool and null literals; == != < <= > >=
 * (int and double mixed); && || ! with CEL's error-absorbing short circuit simplified to Java's; +
 * - * / % on two ints or two doubles (int overflow is an error, as in CEL); string +, contains,
 * startsWith, endsWith, size; double(), int(), string(); the conditional. Anything else throws
 * {@link UnsupportedOperationException} at compile time. Errors at evaluation are {@link
 * EvaluationError}. Thread-safe: closures hold no state.
 */
final class ClosureCompiler {

  private ClosureCompiler() {}

  /** A compiled (sub)expression. */
  interface Node {
    Object eval(PipelineRecord record);

    /** For conditions; overridden by comparisons and logic to skip boxing. */
    default boolean test(PipelineRecord record) {
      if (eval(record) instanceof Boolean b) {
        return b;
      }
      throw new EvaluationError("not a bool");
    }
  }

  /** A failed evaluation (missing field, wrong type, overflow, division by zero). */
  static final class EvaluationError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EvaluationError(String message) {
      super(message, null, false, false);
    }
  }

  static Node compile(CelAbstractSyntaxTree ast) {
    return compile(ast.getExpr());
  }

  private static Node compile(CelExpr expr) {
    return switch (expr.getKind()) {
      case CONSTANT -> constant(expr.constant());
      case IDENT -> variable(expr.ident().name());
      case SELECT -> select(compile(expr.select().operand()), expr.select().field());
      case CALL -> call(expr.call());
      default -> throw new UnsupportedOperationException(expr.getKind().toString());
    };
  }

  private static Node constant(CelConstant constant) {
    Object value =
        switch (constant.getKind()) {
          case INT64_VALUE -> constant.int64Value();
          case DOUBLE_VALUE -> constant.doubleValue();
          case STRING_VALUE -> constant.stringValue();
          case BOOLEAN_VALUE -> constant.booleanValue();
          case NULL_VALUE -> null;
          default -> throw new UnsupportedOperationException(constant.getKind().toString());
        };
    return record -> value;
  }

  private static Node variable(String name) {
    return switch (name) {
      case "value" -> PipelineRecord::value;
      case "key" -> PipelineRecord::key;
      case "topic" -> PipelineRecord::topic;
      case "partition" -> record -> (long) record.partition();
      case "offset" -> PipelineRecord::offset;
      default -> throw new UnsupportedOperationException("variable " + name);
    };
  }

  private static Node select(Node operand, String field) {
    return record -> {
      if (operand.eval(record) instanceof Map<?, ?> map) {
        Object value = map.get(field);
        if (value != null || map.containsKey(field)) {
          return value;
        }
        throw new EvaluationError("no such key: " + field);
      }
      throw new EvaluationError("select on a non-map");
    };
  }

  private static Node call(CelExpr.CelCall call) {
    List<Node> args = call.args().stream().map(ClosureCompiler::compile).toList();
    if (call.target().isPresent()) {
      Node target = compile(call.target().get());
      return method(call.function(), target, args);
    }
    return switch (call.function()) {
      case "_&&_" -> and(args.get(0), args.get(1));
      case "_||_" -> or(args.get(0), args.get(1));
      case "!_" -> not(args.get(0));
      case "_?_:_" -> conditional(args.get(0), args.get(1), args.get(2));
      case "_==_" -> comparison(args, Comparison.EQ);
      case "_!=_" -> comparison(args, Comparison.NE);
      case "_<_" -> comparison(args, Comparison.LT);
      case "_<=_" -> comparison(args, Comparison.LE);
      case "_>_" -> comparison(args, Comparison.GT);
      case "_>=_" -> comparison(args, Comparison.GE);
      case "_+_", "_-_", "_*_", "_/_", "_%_" ->
          arithmetic(call.function(), args.get(0), args.get(1));
      case "-_" -> negate(args.get(0));
      case "size" -> size(args.get(0));
      case "double" -> toDouble(args.get(0));
      case "int" -> toInt(args.get(0));
      case "string" -> record -> String.valueOf(args.get(0).eval(record));
      default -> throw new UnsupportedOperationException(call.function());
    };
  }

  private static Node method(String function, Node target, List<Node> args) {
    return switch (function) {
      case "contains" -> stringTest(target, args.get(0), String::contains);
      case "startsWith" -> stringTest(target, args.get(0), String::startsWith);
      case "endsWith" -> stringTest(target, args.get(0), String::endsWith);
      case "size" -> size(target);
      default -> throw new UnsupportedOperationException("method " + function);
    };
  }

  private interface StringPredicate {
    boolean test(String a, String b);
  }

  private static Node stringTest(Node target, Node argument, StringPredicate predicate) {
    return new Node() {
      @Override
      public Object eval(PipelineRecord record) {
        return test(record);
      }

      @Override
      public boolean test(PipelineRecord record) {
        if (target.eval(record) instanceof String a && argument.eval(record) instanceof String b) {
          return predicate.test(a, b);
        }
        throw new EvaluationError("string function on a non-string");
      }
    };
  }

  private static Node size(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case String s -> (long) s.codePointCount(0, s.length());
          case List<?> l -> (long) l.size();
          case Map<?, ?> m -> (long) m.size();
          case null, default -> throw new EvaluationError("size of an unsupported value");
        };
  }

  private static Node toDouble(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> (double) l;
          case Double d -> d;
          case String s -> parseDouble(s);
          case null, default -> throw new EvaluationError("double() of an unsupported value");
        };
  }

  private static double parseDouble(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new EvaluationError("double() of '" + s + "'");
    }
  }

  private static Node toInt(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> l;
          case Double d -> (long) (double) d;
          case String s -> Long.parseLong(s);
          case null, default -> throw new EvaluationError("int() of an unsupported value");
        };
  }

  private abstract static class Condition implements Node {
    @Override
    public Object eval(PipelineRecord record) {
      return test(record);
    }
  }

  private static Node and(Node left, Node right) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        return left.test(record) && right.test(record);
      }
    };
  }

  private static Node or(Node left, Node right) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        return left.test(record) || right.test(record);
      }
    };
  }

  private static Node not(Node operand) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        return !operand.test(record);
      }
    };
  }

  private static Node conditional(Node condition, Node then, Node otherwise) {
    return record -> condition.test(record) ? then.eval(record) : otherwise.eval(record);
  }

  private enum Comparison {
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE
  }

  private static Node comparison(List<Node> args, Comparison comparison) {
    Node left = args.get(0);
    Node right = args.get(1);
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        Object a = left.eval(record);
        Object b = right.eval(record);
        if (comparison == Comparison.EQ || comparison == Comparison.NE) {
          boolean equal = equal(a, b);
          return comparison == Comparison.EQ ? equal : !equal;
        }
        int order = order(a, b);
        return switch (comparison) {
          case LT -> order < 0;
          case LE -> order <= 0;
          case GT -> order > 0;
          default -> order >= 0;
        };
      }
    };
  }

  private static boolean equal(Object a, Object b) {
    if (a instanceof Number && b instanceof Number) {
      return order(a, b) == 0;
    }
    return java.util.Objects.equals(a, b);
  }

  private static int order(Object a, Object b) {
    if (a instanceof Long x && b instanceof Long y) {
      return Long.compare(x, y);
    }
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue());
    }
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    throw new EvaluationError("no ordering between these values");
  }

  private static Node arithmetic(String function, Node left, Node right) {
    return record -> {
      Object a = left.eval(record);
      Object b = right.eval(record);
      if (a instanceof Long x && b instanceof Long y) {
        return switch (function) {
          case "_+_" -> Math.addExact(x, y);
          case "_-_" -> Math.subtractExact(x, y);
          case "_*_" -> Math.multiplyExact(x, y);
          case "_/_" -> y == 0 ? divideByZero() : x / y;
          default -> y == 0 ? divideByZero() : x % y;
        };
      }
      if (a instanceof Double x && b instanceof Double y) {
        return switch (function) {
          case "_+_" -> x + y;
          case "_-_" -> x - y;
          case "_*_" -> x * y;
          case "_/_" -> x / y;
          default -> throw new EvaluationError("% on doubles");
        };
      }
      if (function.equals("_+_") && a instanceof String x && b instanceof String y) {
        return x + y;
      }
      throw new EvaluationError("no matching overload for " + function);
    };
  }

  private static long divideByZero() {
    throw new EvaluationError("divide by zero");
  }

  private static Node negate(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> Math.negateExact(l);
          case Double d -> -d;
          case null, default -> throw new EvaluationError("- of a non-number");
        };
  }
}
