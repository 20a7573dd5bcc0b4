package io.millrace.connect.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.Clock;
import io.millrace.connect.sink.file.JsonLinesFileSink;
import io.millrace.connect.sink.http.WebhookSink;
import io.millrace.connect.sink.postgres.PostgresSink;
import io.millrace.connect.sink.postgres.PostgresTarget;
import io.millrace.engine.sink.Sink;
import io.millrace.pipeline.definition.FileOutput;
import io.millrace.pipeline.definition.HttpOutput;
import io.millrace.pipeline.definition.Output;
import io.millrace.pipeline.definition.PostgresOutput;
import io.millrace.pipeline.runtime.SinkFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link SinkFactory} of the built-in sinks: {@code postgres}, {@code http} and {@code file}
 * outputs. Owns what the sinks of one output share (a PostgreSQL connection pool per output, one
 * HTTP client, the executor blocking sink work runs on) and releases it on {@link #close}.
 *
 * <p>Thread-safe: {@link #create} is synchronized (it is called when tasks start, not per record).
 */
public final class Sinks implements SinkFactory, AutoCloseable {

  private final ObjectMapper mapper;
  private final Clock clock;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient httpClient;
  private final Map<String, PostgresTarget> postgresTargets = new HashMap<>();
  private final Set<String> recoveredFileOutputs = new HashSet<>();
  private final AtomicLong instances = new AtomicLong();
  private final String processId = Long.toHexString(System.nanoTime() & 0xffffff);
  private boolean closed;

  public Sinks(ObjectMapper mapper, Clock clock) {
    this.mapper = mapper;
    this.clock = clock;
    this.httpClient =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  @Override
  public synchronized Sink create(String pipeline, Output.SinkOutput output) {
    if (closed) {
      throw new IllegalStateException("the sink factory is closed");
    }
    String id = pipeline + "/" + output.name();
    return switch (output) {
      case PostgresOutput postgres ->
          new PostgresSink(
              postgresTargets.computeIfAbsent(id, k -> new PostgresTarget(postgres)),
              mapper,
              executor);
      case HttpOutput http -> new WebhookSink(http, httpClient, clock);
      case FileOutput file -> {
        String place = file.directory() + "/" + file.prefix();
        if (recoveredFileOutputs.add(place)) {
          try {
            JsonLinesFileSink.recover(file);
          } catch (IOException e) {
            recoveredFileOutputs.remove(place);
            throw new UncheckedIOException("recovering " + place + " failed", e);
          }
        }
        yield new JsonLinesFileSink(
            file, processId + "-" + instances.incrementAndGet(), clock, executor);
      }
    };
  }

  /** Closes the shared pools, the HTTP client and the executor. Sinks must be closed first. */
  @Override
  public void close() {
    List<PostgresTarget> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = List.copyOf(postgresTargets.values());
    }
    toClose.forEach(PostgresTarget::close);
    httpClient.close();
    executor.close();
  }
}
