package io.millrace.connect;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.log.Log;
import io.millrace.log.write.TopicWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs polling sources, each on its own virtual thread ({@code millrace-source-NAME}), writing
 * through one shared {@link TopicWriter} so that HTTP push and pull sources share its backpressure
 * budget, and keeping positions in one {@link SourcePositionStore}.
 *
 * <p>THREADING: {@link #start}, {@link #state} and {@link #close} are thread-safe. Each source's
 * fetches, writes and position updates happen on its own thread only (see {@link SourceRunner});
 * sources never share mutable state except through the thread-safe writer and registry. Virtual
 * threads suit the work: it is almost all waiting on HTTP responses, JDBC queries and intervals.
 * {@link #close} stops every source and waits up to {@code closeTimeout} for each; it never
 * interrupts them (an interrupt would close the log's file channels).
 */
public final class SourceScheduler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SourceScheduler.class);

  private final Log log;
  private final TopicWriter writer;
  private final MeterRegistry registry;
  private final ObjectMapper mapper;
  private final SourcePositionStore positions;
  private final Duration closeTimeout;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Random seeds = new Random();
  private volatile boolean closed;

  private record Running(SourceRunner runner, Thread thread) {}

  /**
   * @param writer the writer shared with HTTP push
   * @param registry where the sources' counters go (the server's /metrics registry)
   * @param closeTimeout how long {@link #close} waits for each source's fetch in flight
   */
  public SourceScheduler(
      Log log, TopicWriter writer, MeterRegistry registry, Duration closeTimeout) {
    this.log = log;
    this.writer = writer;
    this.registry = registry;
    this.mapper = new ObjectMapper();
    this.positions = new SourcePositionStore(log, writer, mapper);
    this.closeTimeout = closeTimeout;
  }

  /**
   * Starts {@code source}; its settings must be valid and its topic must exist.
   *
   * @throws IllegalArgumentException if the settings are invalid, the topic missing or the name
   *     taken
   */
  public synchronized SourceRunner start(PollingSource source, SourceSettings settings) {
    if (closed) {
      throw new IllegalStateException("the source scheduler is closed");
    }
    List<ConfigProblem> problems = new ArrayList<>();
    settings.validate(problems);
    ConfigProblem.requireNone(settings.name(), problems);
    if (!source.name().equals(settings.name())) {
      throw new IllegalArgumentException(
          "source " + source.name() + " was given the settings of " + settings.name());
    }
    if (log.describeTopic(settings.topic()).isEmpty()) {
      throw new IllegalArgumentException(
          "source " + settings.name() + ": topic " + settings.topic() + " does not exist");
    }
    if (running.containsKey(settings.name())) {
      throw new IllegalArgumentException("a source named " + settings.name() + " is running");
    }
    SourceRunner runner =
        new SourceRunner(
            source,
            settings,
            writer,
            positions,
            () -> log.partitions(settings.topic()),
            new SourceMetrics(registry, settings.name()),
            mapper,
            new Random(seeds.nextLong()));
    Thread thread = Thread.ofVirtual().name("millrace-source-" + settings.name()).unstarted(runner);
    running.put(settings.name(), new Running(runner, thread));
    thread.start();
    return runner;
  }

  /** The state of the named source's runner, or null if there is no such source. */
  public SourceRunner.State state(String name) {
    Running entry = running.get(name);
    return entry == null ? null : entry.runner().state();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    running.values().forEach(r -> r.runner().stop());
    for (Running r : running.values()) {
      try {
        if (!r.thread().join(closeTimeout)) {
          LOG.warn("source thread {} did not stop within {}", r.thread().getName(), closeTimeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
