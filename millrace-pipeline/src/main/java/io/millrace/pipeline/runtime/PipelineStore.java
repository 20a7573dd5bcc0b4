package io.millrace.pipeline.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.StorageException;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriteStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployed pipelines, kept in the compacted topic {@value #TOPIC} keyed by pipeline name, so a
 * restarted server runs them again (recovery is replay from the log). The value is the pipeline
 * file as written, before {@code ${ENV}} substitution, so secrets passed through the environment
 * never enter the log. Thread-safe (every method is a single write or a full read).
 */
final class PipelineStore {

  static final String TOPIC = "__pipelines";
  private static final Logger LOG = LoggerFactory.getLogger(PipelineStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long WRITE_TIMEOUT_MS = 30_000;

  /** One deployed pipeline as stored. */
  record Deployment(String name, String file, String text, long deployedAtMs) {}

  private final Log log;
  private final TopicWriter writer;

  private PipelineStore(Log log, TopicWriter writer) {
    this.log = log;
    this.writer = writer;
  }

  static PipelineStore open(Log log, TopicWriter writer) {
    if (log.describeTopic(TOPIC).isEmpty()) {
      log.createTopic(
          TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName()));
    }
    return new PipelineStore(log, writer);
  }

  /** Stores a deployment; returns once it is durable. */
  void save(Deployment deployment) {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("file", deployment.file());
    value.put("text", deployment.text());
    value.put("deployedAtMs", deployment.deployedAtMs());
    try {
      write(deployment.name(), JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new StorageException("encoding pipeline " + deployment.name() + " failed", e);
    }
  }

  /** Forgets a deployment; returns once the tombstone is durable. */
  void delete(String name) {
    write(name, null);
  }

  /** Every stored deployment, the latest per name, in name order of first deployment. */
  Map<String, Deployment> loadAll() {
    Map<String, Deployment> deployments = new LinkedHashMap<>();
    PartitionLog partition = log.partition(new TopicPartition(TOPIC, 0));
    long offset = partition.logStartOffset();
    long end = partition.logEndOffset();
    while (offset < end) {
      LogSlice slice = partition.read(offset, 1 << 20);
      if (slice.isEmpty()) {
        break;
      }
      List<LogRecord> records;
      try {
        records = RecordBatches.records(slice.read());
      } catch (IOException e) {
        throw new StorageException("reading " + TOPIC + " failed", e);
      }
      for (LogRecord record : records) {
        apply(record, deployments);
      }
      offset = slice.nextOffset();
    }
    return deployments;
  }

  private static void apply(LogRecord record, Map<String, Deployment> deployments) {
    if (record.key() == null) {
      return;
    }
    String name = new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null) {
      deployments.remove(name);
      return;
    }
    try {
      Map<?, ?> value = JSON.readValue(record.value(), Map.class);
      deployments.put(
          name,
          new Deployment(
              name,
              String.valueOf(value.get("file")),
              String.valueOf(value.get("text")),
              ((Number) value.get("deployedAtMs")).longValue()));
    } catch (IOException | RuntimeException e) {
      LOG.warn("skipped unreadable pipeline record {} at offset {}: {}", name, record.offset(), e);
    }
  }

  private void write(String name, byte[] value) {
    WriteRecord record =
        new WriteRecord(
            0, name.getBytes(StandardCharsets.UTF_8), value, List.of(), WriteRecord.NOW);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WRITE_TIMEOUT_MS);
    try {
      while (true) {
        WriteResult result = writer.tryWrite(TOPIC, List.of(record));
        if (result.isOk()) {
          result.durable().get(WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
          return;
        }
        if (result.status() != WriteStatus.BACK_PRESSURED || System.nanoTime() > deadline) {
          throw new StorageException("storing pipeline " + name + " failed: " + result, null);
        }
        writer.onCapacity().get(WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new StorageException("storing pipeline " + name + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while storing pipeline " + name, e);
    }
  }
}
