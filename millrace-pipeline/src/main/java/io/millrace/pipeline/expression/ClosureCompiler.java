package io.millrace.pipeline.expression;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import io.millrace.pipeline.PipelineRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compiles a subset of checked CEL into a tree of Java closures over {@link PipelineRecord}: CEL
 * keeps the syntax and the type checker, evaluation skips CEL's interpreter (12–15× faster and
 * allocation-free for typical filters; see docs/benchmarks.md). Expressions outside the subset are
 * refused with {@link Unsupported} at compile time and keep CEL's runtime.
 *
 * <p>The subset: variables value, key, topic, partition, offset, headers; field selection and
 * {@code has()} on maps; {@code m[k]} on maps; int, double, string, bool and null literals; == and
 * != (numbers compare across int and double, lists and maps deeply); < <= > >= on numbers and
 * strings; && and || with CEL's commutative error absorption; !; + - * / % on two ints (overflow is
 * an error) or two doubles (no %); string and list +; {@code contains}, {@code startsWith}, {@code
 * endsWith}, {@code size}; {@code double(int)}, {@code int(int|double)}, {@code
 * string(int|string)}; the conditional. A seeded differential test checks it against CEL's runtime.
 * Thread-safe: closures hold no state.
 */
final class ClosureCompiler {

  private ClosureCompiler() {}

  /** A compiled (sub)expression. */
  interface Node {
    Object eval(PipelineRecord record);

    /** For conditions; comparisons and logic override it to skip boxing. */
    default boolean test(PipelineRecord record) {
      if (eval(record) instanceof Boolean b) {
        return b;
      }
      throw new EvaluationError("no such overload: expected a bool");
    }
  }

  /** A failed evaluation (missing field, wrong type, overflow, division by zero). */
  static final class EvaluationError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EvaluationError(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * This record needs CEL's own rules (e.g. converting a string to a number, where Java's and CEL's
   * accepted formats differ): the caller evaluates this one record with CEL's runtime.
   */
  static final class NeedsCel extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final NeedsCel INSTANCE = new NeedsCel();

    private NeedsCel() {
      super("needs CEL", null, false, false);
    }
  }

  /** The expression uses something outside the subset. */
  static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String what) {
      super(what, null, false, false);
    }
  }

  static Node compile(CelAbstractSyntaxTree ast) throws Unsupported {
    // The checked AST guarantees names and overloads exist; types of dyn data are checked per
    // record by the closures themselves.
    return compileExpr(ast.getExpr());
  }

  private static Node compileExpr(CelExpr expr) throws Unsupported {
    return switch (expr.getKind()) {
      case CONSTANT -> constant(expr.constant());
      case IDENT -> variable(expr.ident().name());
      case SELECT ->
          expr.select().testOnly()
              ? has(compileExpr(expr.select().operand()), expr.select().field())
              : select(compileExpr(expr.select().operand()), expr.select().field());
      case CALL -> call(expr.call());
      default -> throw new Unsupported(expr.getKind().toString());
    };
  }

  private static Node call(CelExpr.CelCall call) throws Unsupported {
    List<Node> args = new ArrayList<>();
    for (CelExpr arg : call.args()) {
      args.add(compileExpr(arg));
    }
    if (call.target().isPresent()) {
      return method(call.function(), compileExpr(call.target().get()), args);
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
      case "_[_]" -> index(args.get(0), args.get(1));
      case "size" -> size(args.get(0));
      case "double" -> toDouble(args.get(0));
      case "int" -> toInt(args.get(0));
      case "string" -> toText(args.get(0));
      default -> throw new Unsupported(call.function());
    };
  }

  private static Node constant(CelConstant constant) throws Unsupported {
    Object value =
        switch (constant.getKind()) {
          case INT64_VALUE -> constant.int64Value();
          case DOUBLE_VALUE -> constant.doubleValue();
          case STRING_VALUE -> constant.stringValue();
          case BOOLEAN_VALUE -> constant.booleanValue();
          case NULL_VALUE -> null;
          default -> throw new Unsupported(constant.getKind().toString());
        };
    return record -> value;
  }

  private static Node variable(String name) throws Unsupported {
    return switch (name) {
      case ExpressionVariables.VALUE -> PipelineRecord::value;
      case ExpressionVariables.KEY -> PipelineRecord::key;
      case ExpressionVariables.TOPIC -> PipelineRecord::topic;
      case ExpressionVariables.HEADERS -> PipelineRecord::headers;
      case ExpressionVariables.PARTITION -> record -> (long) record.partition();
      case ExpressionVariables.OFFSET -> PipelineRecord::offset;
      default -> throw new Unsupported("variable " + name);
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
      throw new EvaluationError("no such overload: select ." + field + " on a non-map");
    };
  }

  private static Node has(Node operand, String field) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        if (operand.eval(record) instanceof Map<?, ?> map) {
          return map.containsKey(field);
        }
        throw new EvaluationError("no such overload: has() on a non-map");
      }
    };
  }

  private static Node index(Node operand, Node key) {
    return record -> {
      Object container = operand.eval(record);
      Object k = key.eval(record);
      if (container instanceof Map<?, ?> map && k instanceof String) {
        Object value = map.get(k);
        if (value != null || map.containsKey(k)) {
          return value;
        }
        throw new EvaluationError("no such key: " + k);
      }
      if (container instanceof List<?> list && k instanceof Long i) {
        if (i < 0 || i >= list.size()) {
          throw new EvaluationError("index out of bounds: " + i);
        }
        return list.get((int) (long) i);
      }
      throw new EvaluationError("no such overload: index");
    };
  }

  private static Node method(String function, Node target, List<Node> args) throws Unsupported {
    return switch (function) {
      case "contains" -> stringTest(target, args.get(0), String::contains);
      case "startsWith" -> stringTest(target, args.get(0), String::startsWith);
      case "endsWith" -> stringTest(target, args.get(0), String::endsWith);
      case "size" -> size(target);
      default -> throw new Unsupported("method " + function);
    };
  }

  private interface StringPredicate {
    boolean test(String a, String b);
  }

  private static Node stringTest(Node target, Node argument, StringPredicate predicate) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        if (target.eval(record) instanceof String a && argument.eval(record) instanceof String b) {
          return predicate.test(a, b);
        }
        throw new EvaluationError("no such overload: string function on a non-string");
      }
    };
  }

  private static Node size(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case String s -> (long) s.codePointCount(0, s.length());
          case List<?> l -> (long) l.size();
          case Map<?, ?> m -> (long) m.size();
          case null, default -> throw new EvaluationError("no such overload: size");
        };
  }

  private static Node toDouble(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> (double) l;
          case Double d -> d;
          case String text -> throw NeedsCel.INSTANCE;
          case null, default -> throw new EvaluationError("no such overload: double");
        };
  }

  /** string() of an int or a string; doubles and others format differently in CEL: CEL does it. */
  private static Node toText(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> l.toString();
          case String text -> text;
          case Boolean b -> b.toString();
          case null, default -> throw NeedsCel.INSTANCE;
        };
  }

  private static Node toInt(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> l;
          case String text -> throw NeedsCel.INSTANCE;
          case Double d -> {
            // CEL truncates toward zero and refuses values outside the int range (and NaN).
            if (!(d > -9.223372036854775808E18 && d < 9.223372036854775807E18)) {
              throw new EvaluationError("double is out of range for int");
            }
            yield (long) (double) d;
          }
          case null, default -> throw new EvaluationError("no such overload: int");
        };
  }

  /** A node whose natural result is a bool. */
  private abstract static class Condition implements Node {
    @Override
    public Object eval(PipelineRecord record) {
      return test(record);
    }
  }

  /** Evaluates a condition as CEL's logic does: true, false, or the error it raised. */
  private static Object outcome(Node node, PipelineRecord record) {
    try {
      return node.test(record);
    } catch (EvaluationError e) {
      return e;
    }
  }

  /** CEL's && is commutative over errors: false wins on either side, then an error, then true. */
  private static Node and(Node left, Node right) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        Object a = outcome(left, record);
        if (a == Boolean.FALSE) {
          return false;
        }
        Object b = outcome(right, record);
        if (b == Boolean.FALSE) {
          return false;
        }
        if (a instanceof EvaluationError e) {
          throw e;
        }
        if (b instanceof EvaluationError e) {
          throw e;
        }
        return true;
      }
    };
  }

  /** CEL's || is commutative over errors: true wins on either side, then an error, then false. */
  private static Node or(Node left, Node right) {
    return new Condition() {
      @Override
      public boolean test(PipelineRecord record) {
        Object a = outcome(left, record);
        if (a == Boolean.TRUE) {
          return true;
        }
        Object b = outcome(right, record);
        if (b == Boolean.TRUE) {
          return true;
        }
        if (a instanceof EvaluationError e) {
          throw e;
        }
        if (b instanceof EvaluationError e) {
          throw e;
        }
        return false;
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
        if (a instanceof Double x && b instanceof Double y && (x.isNaN() || y.isNaN())) {
          return false; // double against double: IEEE, every ordering with NaN is false
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

  /** CEL equality: numbers by value across int and double, lists and maps element by element. */
  static boolean equal(Object a, Object b) {
    if (a == b) {
      // CEL-Java checks identity first, so a NaN read twice from the same field equals itself
      // while two computed NaNs do not (found by the differential test).
      return true;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return numericOrder(x, y) == 0 && !isNaN(x) && !isNaN(y);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!equal(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> entry : x.entrySet()) {
        if (!y.containsKey(entry.getKey()) || !equal(entry.getValue(), y.get(entry.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  private static boolean isNaN(Object n) {
    return n instanceof Double d && d.isNaN();
  }

  private static int order(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return numericOrder(x, y);
    }
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    if (a instanceof Boolean x && b instanceof Boolean y) {
      return Boolean.compare(x, y);
    }
    throw new EvaluationError("no such overload: ordering");
  }

  private static int numericOrder(Number x, Number y) {
    if (x instanceof Long l && y instanceof Long m) {
      return Long.compare(l, m);
    }
    if (x instanceof Long l) {
      return -compareDoubleWithLong(y.doubleValue(), l);
    }
    if (y instanceof Long m) {
      return compareDoubleWithLong(x.doubleValue(), m);
    }
    return ieeeOrder(x.doubleValue(), y.doubleValue());
  }

  /** IEEE order, where -0.0 equals 0.0 (Double.compare would order them); NaN handled before. */
  private static int ieeeOrder(double x, double y) {
    return x < y ? -1 : (x > y ? 1 : 0);
  }

  /** Exact comparison of a double with a long (casting the long to double would round). */
  private static int compareDoubleWithLong(double d, long l) {
    if (Double.isNaN(d)) {
      return 1; // as CEL-Java's mixed int/double comparison does (found by the differential test)
    }
    if (d < -9.223372036854775808E18) {
      return -1;
    }
    if (d >= 9.223372036854775807E18) {
      return 1;
    }
    long truncated = (long) d;
    if (truncated != l) {
      return Long.compare(truncated, l);
    }
    // Mixed int/double comparisons order -0.0 below 0, as CEL-Java does (Double.compare).
    return Double.compare(d - truncated, 0.0);
  }

  private static Node arithmetic(String function, Node left, Node right) {
    return record -> {
      Object a = left.eval(record);
      Object b = right.eval(record);
      if (a instanceof Long x && b instanceof Long y) {
        return integerArithmetic(function, x, y);
      }
      if (a instanceof Double x && b instanceof Double y) {
        return switch (function) {
          case "_+_" -> x + y;
          case "_-_" -> x - y;
          case "_*_" -> x * y;
          case "_/_" -> x / y;
          default -> throw new EvaluationError("no such overload: % on doubles");
        };
      }
      if (function.equals("_+_") && a instanceof String x && b instanceof String y) {
        return x + y;
      }
      if (function.equals("_+_") && a instanceof List<?> x && b instanceof List<?> y) {
        List<Object> joined = new ArrayList<>(x);
        joined.addAll(y);
        return joined;
      }
      throw new EvaluationError("no such overload: " + function);
    };
  }

  private static long integerArithmetic(String function, long x, long y) {
    try {
      return switch (function) {
        case "_+_" -> Math.addExact(x, y);
        case "_-_" -> Math.subtractExact(x, y);
        case "_*_" -> Math.multiplyExact(x, y);
        case "_/_" -> {
          if (y == 0) {
            throw new EvaluationError("divide by zero");
          }
          yield Math.divideExact(x, y);
        }
        default -> {
          if (y == 0) {
            throw new EvaluationError("modulus by zero");
          }
          yield x % y;
        }
      };
    } catch (ArithmeticException e) {
      throw new EvaluationError("integer overflow");
    }
  }

  private static Node negate(Node operand) {
    return record ->
        switch (operand.eval(record)) {
          case Long l -> {
            if (l == Long.MIN_VALUE) {
              throw new EvaluationError("integer overflow");
            }
            yield -l;
          }
          case Double d -> -d;
          case null, default -> throw new EvaluationError("no such overload: -");
        };
  }
}
