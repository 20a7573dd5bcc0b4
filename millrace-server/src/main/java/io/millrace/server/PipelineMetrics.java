package io.millrace.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.millrace.engine.task.TaskState;
import io.millrace.engine.task.TaskStatus;
import io.millrace.pipeline.runtime.PipelineRuntime;
import io.millrace.pipeline.runtime.PipelineStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The pipelines' meters, tagged {@code pipeline}, {@code topic} and {@code partition} (one set per
 * task): {@code millrace.pipeline.records.in}, {@code .records.out}, {@code .dead.letters}, {@code
 * .retries} and {@code .backpressured} (counters), {@code millrace.pipeline.lag} (records not yet
 * committed) and {@code millrace.pipeline.failed} (1 for a failed task). Pipelines come and go at
 * run time, so the meters follow the runtime at every scrape: a new task's meters appear, a stopped
 * pipeline's are removed. Thread-safe (refresh is synchronized; meters read the last snapshot).
 */
final class PipelineMetrics {

  private record TaskKey(String pipeline, String topic, int partition) {}

  private final PipelineRuntime runtime;
  private final Supplier<MeterRegistry> registrySupplier;
  private MeterRegistry registry;
  private final Map<TaskKey, List<Meter>> meters = new HashMap<>();
  private volatile Map<TaskKey, TaskStatus> latest = Map.of();

  /**
   * @param registry the server's registry, asked for at the first refresh (the first scrape), so a
   *     server nobody scrapes never builds it
   */
  PipelineMetrics(PipelineRuntime runtime, Supplier<MeterRegistry> registry) {
    this.runtime = runtime;
    this.registrySupplier = registry;
  }

  /** Takes a snapshot of every task and adds or removes meters to match. */
  synchronized void refresh() {
    if (registry == null) {
      registry = registrySupplier.get();
    }
    Map<TaskKey, TaskStatus> now = new HashMap<>();
    for (PipelineStatus pipeline : runtime.list()) {
      for (TaskStatus task : pipeline.tasks()) {
        now.put(new TaskKey(pipeline.name(), task.topic(), task.partition()), task);
      }
    }
    latest = now;
    for (TaskKey key : now.keySet()) {
      meters.computeIfAbsent(key, this::register);
    }
    meters
        .entrySet()
        .removeIf(
            entry -> {
              if (now.containsKey(entry.getKey())) {
                return false;
              }
              entry.getValue().forEach(registry::remove);
              return true;
            });
  }

  private List<Meter> register(TaskKey key) {
    Tags tags =
        Tags.of(
            "pipeline", key.pipeline(),
            "topic", key.topic(),
            "partition", Integer.toString(key.partition()));
    List<Meter> registered = new ArrayList<>();
    registered.add(counter("millrace.pipeline.records.in", key, tags, TaskStatus::recordsIn));
    registered.add(counter("millrace.pipeline.records.out", key, tags, TaskStatus::recordsOut));
    registered.add(counter("millrace.pipeline.dead.letters", key, tags, TaskStatus::deadLetters));
    registered.add(counter("millrace.pipeline.retries", key, tags, TaskStatus::retries));
    registered.add(
        counter("millrace.pipeline.backpressured", key, tags, TaskStatus::backPressuredWaits));
    registered.add(gauge("millrace.pipeline.lag", key, tags, TaskStatus::lag));
    registered.add(
        gauge(
            "millrace.pipeline.failed",
            key,
            tags,
            task -> task.state() == TaskState.FAILED ? 1 : 0));
    return registered;
  }

  private Meter counter(String name, TaskKey key, Tags tags, ToDoubleFunction<TaskStatus> value) {
    return FunctionCounter.builder(name, this, metrics -> metrics.read(key, value))
        .tags(tags)
        .register(registry);
  }

  private Meter gauge(String name, TaskKey key, Tags tags, ToDoubleFunction<TaskStatus> value) {
    return Gauge.builder(name, this, metrics -> metrics.read(key, value))
        .tags(tags)
        .register(registry);
  }

  private double read(TaskKey key, ToDoubleFunction<TaskStatus> value) {
    TaskStatus task = latest.get(key);
    return task == null ? Double.NaN : value.applyAsDouble(task);
  }
}
