package io.millrace.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.engine.view.ViewCatalog;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A log from a {@link LogExtension}, a view service over it and a writer to changelogs: what the
 * view tests share. Not thread-safe; one per test.
 */
final class ViewFixture implements AutoCloseable {

  final LogExtension logs;
  Log log;
  TopicWriter writer;
  ViewService service;
  ViewOptions options;

  ViewFixture(LogExtension logs) throws IOException {
    this.logs = logs;
    this.log = logs.open();
    this.writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    this.options =
        ViewOptions.defaults(viewsDirectory(), logs.clock())
            .withDiscoveryIntervalMs(50)
            .withPurgeIntervalMs(1_000);
  }

  Path viewsDirectory() {
    return logs.dataDirectory().resolve("views");
  }

  ViewService start() throws IOException {
    service = ViewService.start(log, options);
    return service;
  }

  /** Closes the service (not the log) and starts a new one on the same files. */
  ViewService restart() throws IOException {
    service.close();
    return start();
  }

  View view(String name) {
    return service.view(name).orElseThrow();
  }

  /** Writes one record (a null value is a delete) with the log clock's time; returns its offset. */
  long put(String view, String key, String value) {
    return put(view, key, value, WriteRecord.NOW);
  }

  long put(String view, String key, String value, long timestampMs) {
    WriteResult result =
        writer.tryWrite(
            ViewCatalog.changelogTopic(view),
            List.of(
                new WriteRecord(
                    WriteRecord.ANY_PARTITION,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                    List.of(),
                    timestampMs)));
    assertThat(result.isOk()).as(result.toString()).isTrue();
    return result.offsets()[0];
  }

  /** Writes many records in one call. */
  void putAll(String view, List<String[]> keyValues) {
    List<WriteRecord> records = new ArrayList<>();
    for (String[] keyValue : keyValues) {
      records.add(
          WriteRecord.of(
              keyValue[0].getBytes(StandardCharsets.UTF_8),
              keyValue[1] == null ? null : keyValue[1].getBytes(StandardCharsets.UTF_8)));
    }
    WriteResult result = writer.tryWrite(ViewCatalog.changelogTopic(view), records);
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  /** Waits until the view has applied everything its changelog holds now. */
  void awaitCaughtUp(String name) {
    List<PartitionLog> partitions = log.partitions(ViewCatalog.changelogTopic(name));
    long[] ends = new long[partitions.size()];
    for (int p = 0; p < ends.length; p++) {
      ends[p] = partitions.get(p).logEndOffset();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              View view = service.view(name).orElse(null);
              if (view == null) {
                return false;
              }
              for (int p = 0; p < ends.length; p++) {
                if (view.indexer().nextOffset(p) < ends[p]) {
                  return false;
                }
              }
              return true;
            });
  }

  /** The value of a key as the view answers it, or null. */
  String get(String view, String key) {
    ViewIndex.Row row = view(view).get(key.getBytes(StandardCharsets.UTF_8));
    return row == null ? null : new String(row.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (service != null) {
      service.close();
    }
  }
}
