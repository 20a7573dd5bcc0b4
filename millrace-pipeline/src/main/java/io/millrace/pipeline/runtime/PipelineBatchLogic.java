package io.millrace.pipeline.runtime;

import io.millrace.engine.task.BatchLogic;
import io.millrace.engine.task.DeadLetter;
import io.millrace.engine.task.OutputRecord;
import io.millrace.engine.task.ProcessedBatch;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.pipeline.CompiledPipeline;
import io.millrace.pipeline.JsonEncoder;
import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.CsvOptions;
import io.millrace.pipeline.definition.InputFormat;
import io.millrace.pipeline.definition.Output;
import io.millrace.pipeline.expression.RecordVariables;
import io.millrace.pipeline.processor.ProcessResult;
import io.millrace.pipeline.processor.Processor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a compiled pipeline's processors over one batch of input records: decodes each value by the
 * input format, passes it through the processors in order, and sorts the results by output (every
 * output, or the one a {@code route} chose). A record that cannot be decoded, that a processor
 * rejects, or that makes a processor throw becomes a dead letter carrying the input record as it
 * was; the rest of the batch goes on. Not thread-safe: one instance per task.
 */
public final class PipelineBatchLogic implements BatchLogic {

  private final CompiledPipeline pipeline;
  private final List<Processor> processors;
  private final InputFormat format;
  private final CsvOptions csv;
  private final Map<String, Integer> outputIndex = new HashMap<>();
  private final int outputCount;
  private final RecordVariables variables = new RecordVariables();
  private final JsonEncoder json = new JsonEncoder();

  public PipelineBatchLogic(CompiledPipeline pipeline) {
    this.pipeline = pipeline;
    this.processors = pipeline.processors();
    this.format = pipeline.definition().input().format();
    this.csv = pipeline.definition().input().csv();
    List<Output> outputs = pipeline.definition().outputs();
    for (int i = 0; i < outputs.size(); i++) {
      outputIndex.put(outputs.get(i).name(), i);
    }
    this.outputCount = outputs.size();
  }

  @Override
  public ProcessedBatch process(TopicPartition source, List<LogRecord> records) {
    List<List<OutputRecord>> byOutput = new ArrayList<>(outputCount);
    for (int i = 0; i < outputCount; i++) {
      byOutput.add(new ArrayList<>());
    }
    List<DeadLetter> deadLetters = new ArrayList<>();
    for (LogRecord input : records) {
      processOne(source, input, byOutput, deadLetters);
    }
    return new ProcessedBatch(byOutput, deadLetters);
  }

  private void processOne(
      TopicPartition source,
      LogRecord input,
      List<List<OutputRecord>> byOutput,
      List<DeadLetter> deadLetters) {
    if (input.value() == null) {
      // A tombstone (a delete on a compacted topic, or the one a CDC source writes after each
      // delete) has nothing to process: skipped, not a dead letter.
      return;
    }
    PipelineRecord record;
    try {
      record = decode(source, input);
    } catch (Values.BadDataException e) {
      deadLetters.add(DeadLetter.of(input, "input", "BadData", e.getMessage()));
      return;
    }
    List<PipelineRecord> current = List.of(record);
    List<PendingRoute> routed = new ArrayList<>(0);
    for (int step = 0; step < processors.size() && !current.isEmpty(); step++) {
      Processor processor = processors.get(step);
      if (current.size() == 1) {
        // The common case, one record in and out: no list per step.
        current = apply(processor, step, input, current.get(0), routed, deadLetters);
        if (current == null) {
          return;
        }
        continue;
      }
      List<PipelineRecord> next = new ArrayList<>(current.size());
      for (PipelineRecord each : current) {
        List<PipelineRecord> results = apply(processor, step, input, each, routed, deadLetters);
        if (results == null) {
          return;
        }
        next.addAll(results);
      }
      current = next;
    }
    for (PipelineRecord each : current) {
      OutputRecord encoded = encode(input, each);
      for (List<OutputRecord> output : byOutput) {
        output.add(encoded);
      }
    }
    for (PendingRoute route : routed) {
      byOutput.get(outputIndex.get(route.output())).add(encode(input, route.record()));
    }
  }

  /**
   * One processor on one record: the records that go on to the next step, or null when the input
   * record failed (its dead letter is added, and none of its results go out).
   */
  private List<PipelineRecord> apply(
      Processor processor,
      int step,
      LogRecord input,
      PipelineRecord record,
      List<PendingRoute> routed,
      List<DeadLetter> deadLetters) {
    ProcessResult result;
    try {
      result = processor.apply(record, variables.reset(record));
    } catch (RuntimeException e) {
      deadLetters.add(
          DeadLetter.of(
              input, stepName(step, processor), e.getClass().getSimpleName(), e.toString()));
      return null;
    }
    return switch (result) {
      case ProcessResult.Records more -> more.records();
      case ProcessResult.Routed route -> {
        if (route.output() != null) {
          routed.add(new PendingRoute(route.record(), route.output()));
        }
        yield List.of();
      }
      case ProcessResult.Failed failed -> {
        deadLetters.add(
            DeadLetter.of(
                input,
                stepName(step, processor),
                errorClass(processor),
                String.join("; ", failed.reasons())));
        yield null;
      }
    };
  }

  private PipelineRecord decode(TopicPartition source, LogRecord input)
      throws Values.BadDataException {
    Object value =
        switch (format) {
          case JSON -> {
            Object decoded = Values.decodeJson(input.value());
            if (!(decoded instanceof Map<?, ?>)) {
              throw new Values.BadDataException("expected a JSON object, got " + kindOf(decoded));
            }
            yield decoded;
          }
          case TEXT -> new String(input.value(), StandardCharsets.UTF_8);
          case CSV ->
              Values.decodeCsv(
                  new String(input.value(), StandardCharsets.UTF_8),
                  csv.columns(),
                  csv.delimiter());
        };
    return new PipelineRecord(
        source.topic(),
        source.partition(),
        input.offset(),
        input.timestamp(),
        input.key() == null ? null : new String(input.key(), StandardCharsets.UTF_8),
        headersOf(input),
        value);
  }

  private static Map<String, String> headersOf(LogRecord input) {
    if (input.headers().isEmpty()) {
      return Map.of();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (LogRecord.Header header : input.headers()) {
      // A null header value reads as "" (processors see strings); the last of a repeated key wins.
      headers.put(
          header.key(),
          header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
    }
    return headers;
  }

  private OutputRecord encode(LogRecord input, PipelineRecord record) {
    byte[] value =
        record.value() instanceof String text
            ? text.getBytes(StandardCharsets.UTF_8)
            : json.encode(record.value());
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    List<LogRecord.Header> headers = new ArrayList<>(record.headers().size());
    record
        .headers()
        .forEach(
            (name, text) ->
                headers.add(new LogRecord.Header(name, text.getBytes(StandardCharsets.UTF_8))));
    return new OutputRecord(input.offset(), key, value, headers, record.timestampMs());
  }

  private static String stepName(int step, Processor processor) {
    return (step + 1) + ":" + processor.kind();
  }

  private static String errorClass(Processor processor) {
    return processor.kind().equals("validate") ? "SchemaViolation" : "ProcessingFailed";
  }

  private static String kindOf(Object value) {
    return switch (value) {
      case null -> "null";
      case List<?> list -> "an array";
      case String text -> "a string";
      default -> "a " + value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** The pipeline this logic runs. */
  public CompiledPipeline pipeline() {
    return pipeline;
  }

  private record PendingRoute(PipelineRecord record, String output) {}
}
