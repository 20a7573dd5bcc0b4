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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SinkFactory} of the built-in sinks: {@code postgres}, {@code http} and {@code file}
 * outputs. Owns what the sinks of one output share (a PostgreSQL connection pool per output, one
 * HTTP client, the executor blocking sink work runs on, a timer thread that rolls idle file sinks'
 * files) and releases it on {@link #close}.
 *
 * <p>Thread-safe: {@link #create} is synchronized (it is called when tasks start, not per record).
 */
public final class Sinks implements SinkFactory, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Sinks.class);

  private final ObjectMapper mapper;
  private final Clock clock;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient httpClient;
  private final Map<String, PostgresTarget> postgresTargets = new HashMap<>();
  private final Set<String> recoveredFileOutputs = new HashSet<>();
  private final AtomicLong instances = new AtomicLong();
  private final String processId = Long.toHexString(System.nanoTime() & 0xffffff);
  private final Set<JsonLinesFileSink> fileSinks = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService fileRoller =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "millrace-file-sink-roller");
            thread.setDaemon(true);
            return thread;
          });
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
    fileRoller.scheduleWithFixedDelay(this::rollDueFiles, 1, 1, TimeUnit.SECONDS);
  }

  /** Rolls file sinks whose file is old enough, so idle outputs finalize their files too. */
  private void rollDueFiles() {
    fileSinks.removeIf(JsonLinesFileSink::isClosed);
    for (JsonLinesFileSink sink : fileSinks) {
      if (!sink.rollIfDue()) {
        LOG.warn("a file sink could not roll its file; its next write starts a new one");
      }
    }
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
        JsonLinesFileSink sink =
            new JsonLinesFileSink(
                file, processId + "-" + instances.incrementAndGet(), clock, executor);
        fileSinks.add(sink);
        yield sink;
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
    fileRoller.shutdownNow();
    toClose.forEach(PostgresTarget::close);
    httpClient.close();
    executor.close();
  }
}
