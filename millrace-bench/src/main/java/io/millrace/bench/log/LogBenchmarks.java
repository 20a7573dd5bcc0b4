package io.millrace.bench.log;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the usual command line (benchmarks, {@code -p}, {@code -prof gc}, {@code -rf json}
 * ...) and then prints the storage figures side by side: records/s and MB/s per flush policy, each
 * as a ratio of the raw {@code FileChannel} baseline measured in the same run, allocation per
 * append, read throughput against raw reads, and the targets with PASS or FAIL. Used by
 * {@code millrace-bench/run-log-benchmarks.sh}.
 */
public final class LogBenchmarks {

  private static final String APPEND = LogAppendBenchmark.class.getName() + ".append";
  private static final String RAW_APPEND = RawFileAppendBenchmark.class.getName() + ".append";
  private static final String READ = LogReadBenchmark.class.getName() + ".";
  private static final String VALIDATE = BatchValidatorBenchmark.class.getName() + ".validate";

  /** The targets for the {@code os} policy. */
  static final double MIN_OS_RATIO_OF_RAW = 0.80;

  static final double MIN_OS_RECORDS_PER_SECOND_100_BYTES = 5_000_000;

  private final List<RunResult> results;
  private final PrintStream out;

  LogBenchmarks(Collection<RunResult> results, PrintStream out) {
    this.results = new ArrayList<>(results);
    this.out = out;
  }

  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
    new LogBenchmarks(results, System.out).printSummary();
  }

  void printSummary() {
    Locale.setDefault(Locale.ROOT);
    out.println();
    out.println("================ Millrace log benchmarks: summary ================");
    printAppends();
    printReads();
    printValidation();
  }

  // ------------------------------------------------------------------------------ appends

  private void printAppends() {
    List<RunResult> appends = select(APPEND);
    List<RunResult> raws = select(RAW_APPEND);
    if (appends.isEmpty() && raws.isEmpty()) {
      return;
    }
    out.println();
    out.println("Append throughput: one partition, one appending thread, ~16 KiB batches");
    out.println("(MB = 10^6 bytes of whole batches; +- is JMH's 99.9% error; B/op from -prof gc)");
    out.printf(
        "%-9s %-7s %-22s %16s %7s %10s %8s %8s  %s%n",
        "regime", "record", "case", "records/s", "+-", "MB/s", "B/batch", "B/record", "ratio");
    TreeSet<String> regimes = new TreeSet<>(Comparator.reverseOrder()); // sustained after burst
    TreeSet<Integer> sizes = new TreeSet<>();
    for (RunResult result : appends) {
      regimes.add(param(result, "regime"));
      sizes.add(Integer.parseInt(param(result, "recordBytes")));
    }
    for (RunResult result : raws) {
      regimes.add(param(result, "regime"));
      sizes.add(Integer.parseInt(param(result, "recordBytes")));
    }
    List<String> verdicts = new ArrayList<>();
    for (String regime : regimes.descendingSet()) {
      for (int size : sizes) {
        printAppendGroup(regime, size, verdicts);
      }
    }
    verdicts.forEach(out::println);
  }

  private void printAppendGroup(String regime, int size, List<String> verdicts) {
    Optional<RunResult> raw = find(RAW_APPEND, regime, size, "sync", "none");
    Optional<RunResult> rawSync = find(RAW_APPEND, regime, size, "sync", "fdatasync");
    String record = size + " B";
    raw.ifPresent(r -> printAppendRow(regime, record, "raw FileChannel.write", r, null, ""));
    for (String policy : List.of("os", "group-commit")) {
      find(APPEND, regime, size, "flushPolicy", policy)
          .ifPresent(r -> printAppendRow(regime, record, policy, r, raw.orElse(null), "raw write"));
    }
    rawSync.ifPresent(r -> printAppendRow(regime, record, "raw write+fdatasync", r, null, ""));
    find(APPEND, regime, size, "flushPolicy", "every-batch")
        .ifPresent(
            r ->
                printAppendRow(
                    regime, record, "every-batch", r, rawSync.orElse(null), "raw write+fdatasync"));
    Optional<RunResult> os = find(APPEND, regime, size, "flushPolicy", "os");
    if (os.isPresent() && raw.isPresent()) {
      double ratio = records(os.get()).getScore() / records(raw.get()).getScore();
      verdicts.add(
          String.format(
              "target [%s, %d B] os >= %.0f%% of raw write: %.1f%% -> %s",
              regime,
              size,
              MIN_OS_RATIO_OF_RAW * 100,
              ratio * 100,
              ratio >= MIN_OS_RATIO_OF_RAW ? "PASS" : "FAIL"));
    }
    if (os.isPresent() && size == 100) {
      double perSecond = records(os.get()).getScore();
      verdicts.add(
          String.format(
              "target [%s, 100 B] os >= %,.0f records/s: %,.0f -> %s",
              regime,
              MIN_OS_RECORDS_PER_SECOND_100_BYTES,
              perSecond,
              perSecond >= MIN_OS_RECORDS_PER_SECOND_100_BYTES ? "PASS" : "FAIL"));
    }
  }

  private void printAppendRow(
      String regime,
      String record,
      String label,
      RunResult result,
      RunResult baseline,
      String baselineName) {
    Result<?> records = records(result);
    Result<?> bytes = secondary(result, "bytes");
    Result<?> allocated = result.getSecondaryResults().get("gc.alloc.rate.norm");
    double recordsPerBatch = records.getScore() / result.getPrimaryResult().getScore();
    String ratio =
        baseline == null
            ? "(baseline)"
            : String.format(
                "%.2f of %s", records.getScore() / records(baseline).getScore(), baselineName);
    out.printf(
        "%-9s %-7s %-22s %,16.0f %7s %,10.1f %8s %8s  %s%n",
        regime,
        record,
        label,
        records.getScore(),
        percentError(records),
        bytes.getScore() / 1e6,
        allocated == null ? "-" : String.format("%.0f", allocated.getScore()),
        allocated == null ? "-" : String.format("%.2f", allocated.getScore() / recordsPerBatch),
        ratio);
  }

  // -------------------------------------------------------------------------------- reads

  private void printReads() {
    List<RunResult> reads = select(READ);
    if (reads.isEmpty()) {
      return;
    }
    out.println();
    out.println("Sequential read of one partition from the page cache (MB = 10^6 bytes)");
    out.printf(
        "%-10s %-36s %10s %7s %10s  %s%n", "maxBytes", "case", "MB/s", "+-", "B/op", "ratio");
    TreeSet<Integer> sizes = new TreeSet<>();
    reads.forEach(r -> sizes.add(Integer.parseInt(param(r, "maxBytes"))));
    for (int maxBytes : sizes) {
      Optional<RunResult> rawRead = findRead("rawRead", maxBytes);
      Optional<RunResult> rawTransfer = findRead("rawTransferTo", maxBytes);
      printReadRow(maxBytes, "raw FileChannel.read (reused buffer)", rawRead, Optional.empty());
      printReadRow(
          maxBytes, "log read() into a new heap buffer", findRead("logRead", maxBytes), rawRead);
      printReadRow(maxBytes, "raw transferTo /dev/null", rawTransfer, Optional.empty());
      printReadRow(
          maxBytes, "log transferTo /dev/null", findRead("logTransferTo", maxBytes), rawTransfer);
    }
  }

  private void printReadRow(
      int maxBytes, String label, Optional<RunResult> result, Optional<RunResult> baseline) {
    if (result.isEmpty()) {
      return;
    }
    Result<?> bytes = secondary(result.get(), "bytes");
    Result<?> allocated = result.get().getSecondaryResults().get("gc.alloc.rate.norm");
    out.printf(
        "%-10s %-36s %,10.1f %7s %10s  %s%n",
        maxBytes >= 1 << 20 ? (maxBytes >> 20) + " MiB" : (maxBytes >> 10) + " KiB",
        label,
        bytes.getScore() / 1e6,
        percentError(bytes),
        allocated == null ? "-" : String.format("%.0f", allocated.getScore()),
        baseline
            .map(
                b ->
                    String.format(
                        "%.2f of raw", bytes.getScore() / secondary(b, "bytes").getScore()))
            .orElse("(baseline)"));
  }

  private Optional<RunResult> findRead(String method, int maxBytes) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().equals(READ + method))
        .filter(r -> Integer.parseInt(param(r, "maxBytes")) == maxBytes)
        .findFirst();
  }

  // --------------------------------------------------------------------------- validation

  private void printValidation() {
    List<RunResult> validations = select(VALIDATE);
    if (validations.isEmpty()) {
      return;
    }
    out.println();
    out.println(
        "Validation of one ~16 KiB batch (CPU only: CRC-32C and the walk over every record)");
    for (RunResult result : validations) {
      out.printf(
          "%5s B records: %,.0f ns per batch +- %s%n",
          param(result, "recordBytes"),
          result.getPrimaryResult().getScore(),
          percentError(result.getPrimaryResult()));
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private List<RunResult> select(String benchmarkPrefix) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().startsWith(benchmarkPrefix))
        .toList();
  }

  private Optional<RunResult> find(
      String benchmark, String regime, int size, String param, String value) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().equals(benchmark))
        .filter(r -> param(r, "regime").equals(regime))
        .filter(r -> Integer.parseInt(param(r, "recordBytes")) == size)
        .filter(r -> value.equals(param(r, param)))
        .findFirst();
  }

  private static String param(RunResult result, String name) {
    String value = result.getParams().getParam(name);
    return value == null ? "" : value;
  }

  private static Result<?> records(RunResult result) {
    return secondary(result, "records");
  }

  private static Result<?> secondary(RunResult result, String name) {
    Result<?> value = result.getSecondaryResults().get(name);
    if (value == null) {
      throw new IllegalStateException(
          result.getParams().getBenchmark() + " has no secondary result " + name);
    }
    return value;
  }

  /** JMH's 99.9% error as a percentage of the score, or "n/a" with too few iterations. */
  private static String percentError(Result<?> result) {
    double error = result.getScoreError();
    return Double.isNaN(error) || result.getScore() == 0
        ? "n/a"
        : String.format("%.1f%%", 100 * error / result.getScore());
  }
}
