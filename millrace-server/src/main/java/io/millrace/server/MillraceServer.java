package io.millrace.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.Clock;
import io.millrace.common.CloseHelper;
import io.millrace.connect.SourceRunner;
import io.millrace.connect.sink.Sinks;
import io.millrace.http.ApiResponse;
import io.millrace.http.HealthApi;
import io.millrace.http.HealthChecks;
import io.millrace.http.HttpApiServer;
import io.millrace.http.MetricsApi;
import io.millrace.http.RecordsApi;
import io.millrace.http.Router;
import io.millrace.http.TopicsApi;
import io.millrace.kafka.KafkaListener;
import io.millrace.log.Log;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.runtime.PipelineRuntime;
import io.millrace.serve.ViewOptions;
import io.millrace.serve.ViewService;
import io.millrace.serve.ViewsApi;
import io.millrace.server.api.PipelinesApi;
import io.millrace.server.config.ServerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A running Millrace: the log, the views, the Kafka listener, the HTTP server and the pull sources,
 * wired from one {@link ServerConfig}. Starts in that order (sources last, once their records can
 * be read by every listener; their topics are checked right after the log opens, before any port is
 * bound) and closes in the reverse (sources, HTTP, Kafka, views, then the log, so no write or
 * request is in flight when the log flushes and writes its clean-shutdown marker).
 *
 * <p>Threads: owns none itself; each component owns its own. {@link #close()} may be called from
 * any thread (the shutdown hook) and is idempotent.
 */
public final class MillraceServer implements AutoCloseable {

  private final Log log;
  private final KafkaListener kafka;
  private final HttpApiServer http;
  private final HealthChecks health;
  private final PullSources sources;
  private final PipelineRuntime pipelines;
  private final Sinks sinks;
  private final ServerMetrics metrics;
  private final ViewService views;
  private boolean closed;

  private MillraceServer(
      Log log,
      KafkaListener kafka,
      HttpApiServer http,
      HealthChecks health,
      PullSources sources,
      PipelineRuntime pipelines,
      Sinks sinks,
      ServerMetrics metrics,
      ViewService views) {
    this.log = log;
    this.views = views;
    this.kafka = kafka;
    this.http = http;
    this.health = health;
    this.sources = sources;
    this.pipelines = pipelines;
    this.sinks = sinks;
    this.metrics = metrics;
  }

  /**
   * Opens the log and starts both listeners; on failure closes whatever had started.
   *
   * @throws IOException if the data directory cannot be opened or a port cannot be bound
   */
  public static MillraceServer start(ServerConfig config) throws IOException {
    List<AutoCloseable> started = new ArrayList<>();
    KafkaListener.prepareProtocolInBackground(); // overlaps with opening the log
    try {
      Log log = openLog(config);
      started.add(log);
      ServerMetrics metrics = new ServerMetrics();
      started.add(0, metrics);
      ViewService views =
          ViewService.start(
              log,
              ViewOptions.defaults(config.dataDirectory().resolve("views"), log.options().clock()));
      started.add(0, views);
      TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
      PullSources sources =
          PullSources.prepare(log, writer, config.sources(), config.kafka(), metrics::registry);
      started.add(0, sources);
      KafkaListener kafka = KafkaListener.start(log, config.kafka());
      started.add(0, kafka);
      Sinks sinks = new Sinks(new ObjectMapper(), Clock.SYSTEM);
      started.add(0, sinks);
      PipelineRuntime pipelines =
          new PipelineRuntime(
              log,
              writer,
              log.offsetStore(),
              EnvironmentSubstitution.fromProcess(),
              sinks,
              views,
              new PipelineRuntime.Options(
                  Runtime.getRuntime().availableProcessors(),
                  config.kafka().autoCreateTopics(),
                  config.kafka().defaultPartitions()));
      started.add(0, pipelines);
      PipelineMetrics pipelineMetrics = new PipelineMetrics(pipelines, metrics::registry);
      metrics.beforeScrape(pipelineMetrics::refresh);
      HealthChecks health =
          new HealthChecks().add("log", log::isOpen).add("kafka_listener", kafka::isOpen);
      Router.Builder routes = Router.builder();
      new HealthApi(health).register(routes);
      new TopicsApi(log).register(routes);
      // HTTP push auto-creates topics under the Kafka listener's setting: one rule for both.
      new RecordsApi(
              log,
              writer, // shared with the pull sources: one backpressure budget
              config.http(),
              config.kafka().autoCreateTopics(),
              config.kafka().defaultPartitions())
          .register(routes);
      new PipelinesApi(pipelines).register(routes);
      new ViewsApi(views).register(routes);
      new MetricsApi(metrics::scrape, ServerMetrics.CONTENT_TYPE).register(routes);
      routes.get("/sources", request -> ApiResponse.ok(sources.statuses()));
      HttpApiServer http = HttpApiServer.start(config.http(), routes.build());
      started.add(0, http);
      pipelines.restore();
      sources.start();
      return new MillraceServer(
          log, kafka, http, health, sources, pipelines, sinks, metrics, views);
    } catch (IOException | RuntimeException e) {
      Exception closeFailure = closeAllQuietly(started);
      if (closeFailure != null) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  private static Log openLog(ServerConfig config) throws IOException {
    try {
      return Log.open(config.log());
    } catch (IOException e) {
      throw new IOException(
          "cannot open data directory " + config.dataDirectory() + ": " + e.getMessage(), e);
    }
  }

  public int kafkaPort() {
    return kafka.port();
  }

  public int httpPort() {
    return http.port();
  }

  public String httpHost() {
    return http.host();
  }

  /** The pipeline runtime (deploy, stop, status). */
  public PipelineRuntime pipelines() {
    return pipelines;
  }

  public Log log() {
    return log;
  }

  /** The views: {@link ViewService#ensureView} is how the pipeline runtime declares one. */
  public ViewService views() {
    return views;
  }

  /** How many pull sources millrace.yaml declares. */
  public int sourceCount() {
    return sources.count();
  }

  /** The named source's state, or null until it has started (sources start in the background). */
  public SourceRunner.State sourceState(String name) {
    return sources.state(name);
  }

  /**
   * Reports "stopping" on /health, then stops the sources and closes HTTP, the pipelines, the
   * sinks, Kafka, the views, the metrics and the log, in that order.
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    health.markStopping();
    try {
      CloseHelper.closeAll(sources, http, pipelines, sinks, kafka, views, metrics, log);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("closing Millrace failed", e);
    }
  }

  private static Exception closeAllQuietly(List<AutoCloseable> resources) {
    try {
      CloseHelper.closeAll(resources);
      return null;
    } catch (Exception e) {
      return e;
    }
  }
}
