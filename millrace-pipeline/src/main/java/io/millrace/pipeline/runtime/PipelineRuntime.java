package io.millrace.pipeline.runtime;

import io.millrace.common.Clock;
import io.millrace.common.RetryPolicy;
import io.millrace.engine.sink.Sink;
import io.millrace.engine.sink.SinkDelivery;
import io.millrace.engine.task.GroupProgressStore;
import io.millrace.engine.task.OutputTarget;
import io.millrace.engine.task.PartitionTask;
import io.millrace.engine.task.TaskOptions;
import io.millrace.engine.task.TaskState;
import io.millrace.engine.task.TaskStatus;
import io.millrace.engine.task.WorkerPool;
import io.millrace.engine.view.ViewCatalog;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.write.TopicWriter;
import io.millrace.pipeline.CompiledPipeline;
import io.millrace.pipeline.PipelineValidator;
import io.millrace.pipeline.ValidationReport;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.definition.ErrorPolicy;
import io.millrace.pipeline.definition.Output;
import io.millrace.pipeline.definition.PipelineDefinition;
import io.millrace.pipeline.definition.Problem;
import io.millrace.pipeline.definition.TopicRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs deployed pipelines: validates a pipeline file, creates its missing topics (when allowed),
 * stores it so a restart runs it again, and starts one {@link PartitionTask} per input partition on
 * a shared {@link WorkerPool}. Each pipeline's progress is the consumer group {@code
 * millrace-pipeline-NAME}, so a redeployed or restarted pipeline resumes where it stopped.
 *
 * <p>THREADING. Lifecycle calls (deploy, stop, restore, close) are serialized by this object's
 * lock; status reads never take it. Tasks run on the pool's threads.
 */
public final class PipelineRuntime implements AutoCloseable {

  /** The consumer group of pipeline NAME is this prefix followed by NAME. */
  public static final String GROUP_PREFIX = "millrace-pipeline-";

  private static final Logger LOG = LoggerFactory.getLogger(PipelineRuntime.class);
  private static final long STOP_TIMEOUT_MS = 30_000;

  /**
   * @param threads worker threads for all tasks (about one per core)
   * @param autoCreateTopics create missing input, output and dead-letter topics at deploy
   * @param defaultPartitions the partition count of topics created that way
   */
  public record Options(int threads, boolean autoCreateTopics, int defaultPartitions) {}

  private final Log log;
  private final TopicWriter writer;
  private final GroupOffsetStore offsets;
  private final SinkFactory sinks;
  private final ViewCatalog views;
  private final PipelineValidator validator;
  private final PipelineStore store;
  private final WorkerPool pool;
  private final Options options;
  private final Clock clock;
  private final Map<String, Deployed> deployed = new java.util.concurrent.ConcurrentHashMap<>();
  private boolean closed;

  public PipelineRuntime(
      Log log,
      TopicWriter writer,
      GroupOffsetStore offsets,
      EnvironmentSubstitution environment,
      SinkFactory sinks,
      ViewCatalog views,
      Options options) {
    this.log = log;
    this.sinks = sinks;
    this.views = views;
    this.writer = writer;
    this.offsets = offsets;
    this.validator = new PipelineValidator(environment);
    this.store = PipelineStore.open(log, writer);
    this.pool = new WorkerPool(options.threads());
    this.options = options;
    this.clock = log.options().clock();
  }

  /**
   * Starts every pipeline stored by earlier deployments. One that no longer starts (an environment
   * variable gone, a topic deleted) is kept as FAILED with the reason, and the others start.
   *
   * @return the names started or failed, in stored order
   */
  public synchronized List<String> restore() {
    List<String> names = new ArrayList<>();
    for (PipelineStore.Deployment deployment : store.loadAll().values()) {
      names.add(deployment.name());
      try {
        launch(deployment, prepare(deployment, validate(deployment.file(), deployment.text())));
      } catch (PipelineDeployException e) {
        LOG.error("stored pipeline {} does not start: {}", deployment.name(), e.getMessage());
        deployed.put(deployment.name(), Deployed.failed(deployment, e.getMessage()));
      } catch (RuntimeException e) {
        LOG.error("stored pipeline {} does not start", deployment.name(), e);
        deployed.put(deployment.name(), Deployed.failed(deployment, e.toString()));
      }
    }
    return names;
  }

  /**
   * Validates and starts a pipeline, replacing a running one of the same name (which stops after
   * committing what it finished; the new one resumes from there).
   *
   * @param file the name shown in problem positions
   * @param text the pipeline file's contents
   * @throws PipelineDeployException when the file has problems; nothing changes then
   */
  public synchronized PipelineStatus deploy(String file, String text)
      throws PipelineDeployException {
    checkOpen();
    CompiledPipeline pipeline = validate(file, text);
    String name = pipeline.definition().name();
    PipelineStore.Deployment deployment =
        new PipelineStore.Deployment(name, file, text, clock.millis());
    // Built before the running one stops: if a sink cannot start, the running pipeline goes on.
    Deployed prepared = prepare(deployment, pipeline);
    Deployed previous = deployed.remove(name);
    if (previous != null) {
      stopTasks(previous);
    }
    store.save(deployment);
    launch(deployment, prepared);
    LOG.info(
        "pipeline {} deployed from {}: {} tasks", name, file, deployed.get(name).tasks().size());
    return status(name).orElseThrow();
  }

  /**
   * Stops a pipeline and forgets it (a restart will not run it). Its committed offsets stay, so
   * deploying it again resumes where it stopped.
   *
   * @return false when no pipeline has that name
   */
  public synchronized boolean stop(String name) {
    Deployed running = deployed.remove(name);
    if (running == null) {
      return false;
    }
    stopTasks(running);
    store.delete(name);
    LOG.info("pipeline {} stopped", name);
    return true;
  }

  public List<PipelineStatus> list() {
    return new TreeMap<>(deployed).values().stream().map(this::statusOf).toList();
  }

  public Optional<PipelineStatus> status(String name) {
    Deployed running = deployed.get(name);
    return running == null ? Optional.empty() : Optional.of(statusOf(running));
  }

  /** Stops every task (the pipelines stay stored and start again with the server). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Deployed running : deployed.values()) {
      stopTasks(running);
    }
    pool.close();
  }

  // ---------------------------------------------------------------------------- deploying

  private CompiledPipeline validate(String file, String text) throws PipelineDeployException {
    ValidationReport report = validator.validate(file, text, Optional.empty());
    if (!report.isValid()) {
      throw new PipelineDeployException(file, report.problems());
    }
    ensureTopics(file, report.pipeline().definition());
    return report.pipeline();
  }

  /** Creates missing topics when allowed, else refuses naming each one where it was written. */
  private void ensureTopics(String file, PipelineDefinition definition)
      throws PipelineDeployException {
    Set<TopicRef> needed = new LinkedHashSet<>(definition.input().topics());
    for (Output output : definition.outputs()) {
      if (output instanceof Output.TopicOutput topic) {
        needed.add(topic.topic());
      }
    }
    ErrorPolicy errors = definition.errors();
    if (errors != null && errors.deadLetterTopic() != null) {
      needed.add(errors.deadLetterTopic());
    }
    List<Problem> problems = new ArrayList<>();
    Set<String> created = new LinkedHashSet<>();
    for (TopicRef topic : needed) {
      if (log.describeTopic(topic.name()).isPresent() || created.contains(topic.name())) {
        continue;
      }
      if (!options.autoCreateTopics()) {
        problems.add(
            new Problem(
                topic.position(),
                "unknown topic '" + topic.name() + "'",
                "create it first (millrace topic create) or set kafka.auto_create_topics: true"));
        continue;
      }
      log.createTopic(topic.name(), options.defaultPartitions(), Map.of());
      created.add(topic.name());
      LOG.info(
          "created topic {} ({} partitions) for pipeline {} (kafka.auto_create_topics)",
          topic.name(),
          options.defaultPartitions(),
          definition.name());
    }
    if (!problems.isEmpty()) {
      throw new PipelineDeployException(file, problems);
    }
  }

  /**
   * Builds the pipeline's tasks (and each task's sinks) without starting them.
   *
   * @throws PipelineDeployException when a sink output cannot be created (named at its position)
   */
  private Deployed prepare(PipelineStore.Deployment deployment, CompiledPipeline pipeline)
      throws PipelineDeployException {
    PipelineDefinition definition = pipeline.definition();
    GroupProgressStore progress =
        new GroupProgressStore(offsets, GROUP_PREFIX + definition.name(), clock);
    ErrorPolicy errors = definition.errors() == null ? ErrorPolicy.defaults() : definition.errors();
    RetryPolicy retries = retryPolicy(errors);
    TaskOptions taskOptions =
        TaskOptions.defaults(
            definition.name(),
            errors.deadLetterTopic() == null ? null : errors.deadLetterTopic().name(),
            retries);
    ensureViews(deployment.file(), definition);
    List<PartitionTask> tasks = new ArrayList<>();
    Deployed prepared = new Deployed(deployment, progress.group(), tasks, null);
    try {
      for (TopicRef input : definition.input().topics()) {
        for (PartitionLog partition : log.partitions(input.name())) {
          tasks.add(
              new PartitionTask(
                  partition,
                  new PipelineBatchLogic(pipeline),
                  targetsOf(definition, retries),
                  writer,
                  progress,
                  pool,
                  taskOptions,
                  clock));
        }
      }
    } catch (SinkCreationException e) {
      closeSinks(prepared, e.created());
      throw new PipelineDeployException(
          deployment.file(),
          List.of(
              new Problem(
                  e.output().position(),
                  "output '" + e.output().name() + "' cannot start: " + e.getCause().getMessage(),
                  "check the output's settings; nothing was deployed")));
    }
    return prepared;
  }

  /** Declares each view output's view (its changelog topic and TTL) with the view catalog. */
  private void ensureViews(String file, PipelineDefinition definition)
      throws PipelineDeployException {
    for (Output output : definition.outputs()) {
      if (output instanceof Output.ViewOutput view) {
        try {
          views.ensureView(view.view(), view.ttlMs());
        } catch (RuntimeException e) {
          throw new PipelineDeployException(
              file,
              List.of(
                  new Problem(
                      view.position(),
                      "view '" + view.view() + "' cannot start: " + e.getMessage(),
                      "nothing was deployed")));
        }
      }
    }
  }

  private void launch(PipelineStore.Deployment deployment, Deployed prepared) {
    deployed.put(deployment.name(), prepared);
    prepared.tasks().forEach(PartitionTask::start);
  }

  /**
   * One task's targets: topics by name, and a sink of its own for each sink output.
   *
   * @throws SinkCreationException when the factory refuses a sink (carrying this task's targets
   *     made before it, to close)
   */
  private List<OutputTarget> targetsOf(PipelineDefinition definition, RetryPolicy sinkRetries)
      throws SinkCreationException {
    List<OutputTarget> targets = new ArrayList<>();
    for (Output output : definition.outputs()) {
      switch (output) {
        case Output.TopicOutput topic ->
            targets.add(new OutputTarget.ToTopic(topic.name(), topic.topic().name()));
        case Output.SinkOutput sinkOutput -> {
          Sink sink;
          try {
            sink = sinks.create(definition.name(), sinkOutput);
          } catch (RuntimeException e) {
            throw new SinkCreationException(sinkOutput, targets, e);
          }
          targets.add(
              new OutputTarget.ToSink(
                  output.name(),
                  sink,
                  new SinkDelivery(
                      sink, sinkRetries, new java.util.Random(), pool.retryScheduler())));
        }
        case Output.ViewOutput view ->
            // Upserts into the view's compacted changelog, which the view indexes; a record
            // without a key is refused there and becomes a dead letter.
            targets.add(
                new OutputTarget.ToTopic(view.name(), ViewCatalog.changelogTopic(view.view())));
      }
    }
    return targets;
  }

  /**
   * The pipeline's {@code errors} settings as the retry policy of its log writes and sinks: {@code
   * max_retries} retries after the first attempt, backoff doubling from {@code backoff_ms} (at
   * least 1 ms) up to a minute, with full jitter.
   */
  private static RetryPolicy retryPolicy(ErrorPolicy errors) {
    long initialMs = Math.max(1, errors.backoffMs());
    return new RetryPolicy(
        errors.maxRetries() + 1, initialMs, Math.max(initialMs, TaskOptions.MAX_BACKOFF_MS));
  }

  private void stopTasks(Deployed running) {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (PartitionTask task : running.tasks()) {
      stops.add(task.stop());
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
          .get(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn(
          "pipeline {}: tasks did not stop within {} ms; their last batches will be processed"
              + " again",
          running.deployment().name(),
          STOP_TIMEOUT_MS);
    } catch (ExecutionException e) {
      LOG.warn("pipeline {}: stopping failed", running.deployment().name(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeSinks(running, List.of());
  }

  /** Closes the sinks of every task of {@code running}, and {@code more} (a task being built). */
  private static void closeSinks(Deployed running, List<OutputTarget> more) {
    List<OutputTarget> all = new ArrayList<>(more);
    for (PartitionTask task : running.tasks()) {
      all.addAll(task.targets());
    }
    for (OutputTarget target : all) {
      if (target instanceof OutputTarget.ToSink sink) {
        sink.delivery().close();
        try {
          sink.sink().close();
        } catch (RuntimeException e) {
          LOG.warn(
              "pipeline {}: closing output {} failed", running.deployment().name(), sink.name(), e);
        }
      }
    }
  }

  /** A sink factory refused an output; {@code created} are this task's targets made before it. */
  private static final class SinkCreationException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Output output;
    private final transient List<OutputTarget> created;

    SinkCreationException(Output output, List<OutputTarget> created, RuntimeException cause) {
      super(cause);
      this.output = output;
      this.created = List.copyOf(created);
    }

    Output output() {
      return output;
    }

    List<OutputTarget> created() {
      return created;
    }
  }

  private PipelineStatus statusOf(Deployed running) {
    List<TaskStatus> tasks = running.tasks().stream().map(PartitionTask::status).toList();
    String error = running.error();
    PipelineState state = PipelineState.RUNNING;
    for (TaskStatus task : tasks) {
      if (task.state() == TaskState.FAILED && error == null) {
        error = task.topic() + "-" + task.partition() + ": " + task.failure();
      }
    }
    if (error != null) {
      state = PipelineState.FAILED;
    } else if (!tasks.isEmpty()
        && tasks.stream().allMatch(task -> task.state() == TaskState.STOPPED)) {
      state = PipelineState.STOPPED;
    }
    return new PipelineStatus(
        running.deployment().name(),
        running.deployment().file(),
        state,
        running.deployment().deployedAtMs(),
        running.group(),
        error,
        tasks);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the pipeline runtime is closed");
    }
  }

  /** A deployed pipeline: what was stored, its tasks, or why it could not start. */
  private record Deployed(
      PipelineStore.Deployment deployment, String group, List<PartitionTask> tasks, String error) {

    static Deployed failed(PipelineStore.Deployment deployment, String error) {
      return new Deployed(deployment, GROUP_PREFIX + deployment.name(), List.of(), error);
    }
  }
}
