package io.millrace.pipeline.runtime;

import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.testing.LogReader;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A log, a writer and a pipeline runtime over one data directory, for runtime tests. */
final class RuntimeFixture implements AutoCloseable {

  final Log log;
  final TopicWriter writer;
  final GroupOffsetStore offsets;
  PipelineRuntime runtime;

  RuntimeFixture(Path dataDir) throws IOException {
    this(dataDir, WriterOptions.DEFAULTS);
  }

  RuntimeFixture(Path dataDir, WriterOptions writerOptions) throws IOException {
    log = Log.open(LogOptions.defaults(dataDir));
    writer = new TopicWriter(log, writerOptions);
    offsets = GroupOffsetStore.open(log, 1);
    runtime = newRuntime();
  }

  PipelineRuntime newRuntime() {
    return new PipelineRuntime(
        log,
        writer,
        offsets,
        EnvironmentSubstitution.from(
            Map.of("SECRET", "s3cret", "CLICKSTREAM_SECRET", "0123456789abcdef-test")),
        SinkFactory.unavailable("no sinks here"),
        (view, ttlMs) -> {
          throw new IllegalArgumentException("no views here");
        },
        new PipelineRuntime.Options(2, true, 2));
  }

  /** Writes values (UTF-8) with the given keys (null for none) to {@code topic}; waits durable. */
  void write(String topic, List<String> keys, List<String> values) throws Exception {
    List<WriteRecord> records = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      String key = keys == null ? null : keys.get(i);
      records.add(
          WriteRecord.of(
              key == null ? null : key.getBytes(StandardCharsets.UTF_8),
              values.get(i).getBytes(StandardCharsets.UTF_8)));
    }
    WriteResult result = writer.tryWrite(topic, records);
    if (!result.isOk()) {
      throw new AssertionError(result.toString());
    }
    result.durable().get();
  }

  /** Every record of every partition of {@code topic}. */
  List<LogRecord> records(String topic) {
    List<LogRecord> all = new ArrayList<>();
    for (PartitionLog partition : log.partitions(topic)) {
      all.addAll(LogReader.readAll(partition));
    }
    return all;
  }

  List<String> values(String topic) {
    return records(topic).stream()
        .map(r -> r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8))
        .toList();
  }

  long endOffsetSum(String topic) {
    return log.partitions(topic).stream().mapToLong(PartitionLog::logEndOffset).sum();
  }

  @Override
  public void close() throws IOException {
    runtime.close();
    log.close();
  }
}
