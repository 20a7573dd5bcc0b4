package io.millrace.serve;

import io.millrace.engine.view.ViewCatalog;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicDescription;
import io.millrace.log.segment.Io;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The views of one Millrace instance: every topic named by {@link ViewCatalog#changelogTopic} is a
 * view, found at start and then every {@link ViewOptions#discoveryIntervalMs()} (changelogs made
 * through Kafka or HTTP admin calls), or created at once by {@link #ensureView} (the pipeline
 * runtime). A changelog topic that disappears takes its view and its files with it.
 *
 * <pre>
 * VIEWS_DIR/NAME/view.properties   ttl.ms (survives deleting the index)
 * VIEWS_DIR/NAME/index/            the RocksDB index (see ViewIndex); delete it to rebuild
 * </pre>
 *
 * <p>THREADING. Thread-safe. Owns {@code millrace-view-catalog} (discovery) and, per view, the
 * {@link ViewIndexer} thread. Opening, closing and TTL changes are serialized on one lock; lookups
 * ({@link #view}, {@link #views}) read a concurrent map and never wait for it. Lock order: this
 * service's lock, then the log's admin lock (inside its admin calls); never the reverse.
 */
public final class ViewService implements ViewCatalog, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ViewService.class);
  private static final String PROPERTIES_FILE = "view.properties";
  private static final String TTL_PROPERTY = "ttl.ms";

  private final Log log;
  private final ViewOptions options;
  private final Map<String, View> views = new ConcurrentSkipListMap<>();
  private final Object lock = new Object();
  private final ScheduledExecutorService discovery;
  private boolean closed;

  private ViewService(Log log, ViewOptions options) {
    this.log = log;
    this.options = options;
    this.discovery =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "millrace-view-catalog");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Opens every view whose changelog exists (rebuilding indexes that are missing or stale), removes
   * the files of views whose changelog is gone, and starts discovery.
   */
  public static ViewService start(Log log, ViewOptions options) throws IOException {
    Files.createDirectories(options.directory());
    ViewService service = new ViewService(log, options);
    try {
      service.refresh();
      service.discovery.scheduleWithFixedDelay(
          service::refreshQuietly,
          options.discoveryIntervalMs(),
          options.discoveryIntervalMs(),
          TimeUnit.MILLISECONDS);
      return service;
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  @Override
  public void ensureView(String view, long ttlMs) {
    String topic = ViewCatalog.changelogTopic(view); // validates the name
    if (ttlMs < 0) {
      throw new IllegalArgumentException("the TTL of view " + view + " must be >= 0: " + ttlMs);
    }
    synchronized (lock) {
      ensureOpen();
      writeTtl(view, ttlMs);
      TopicDescription description = ensureChangelog(topic);
      View open = views.get(view);
      if (open != null && open.topicId().equals(description.topicId().toString())) {
        open.ttlMs(ttlMs);
      } else {
        reopen(view, description);
      }
    }
  }

  private TopicDescription ensureChangelog(String topic) {
    Optional<TopicDescription> existing = log.describeTopic(topic);
    if (existing.isEmpty()) {
      try {
        return log.createTopic(
            topic,
            options.changelogPartitions(),
            Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName()));
      } catch (InvalidRequestException e) {
        if (e.reason() != InvalidRequestException.Reason.TOPIC_EXISTS) {
          throw e;
        }
        return log.describeTopic(topic).orElseThrow(() -> e);
      }
    }
    if (existing.get().config().cleanupPolicy() != CleanupPolicy.COMPACT) {
      LOG.info("changelog {} was not compacted; setting cleanup.policy=compact", topic);
      return log.alterTopicConfig(
          topic, Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName()));
    }
    return existing.get();
  }

  /** The open view of this name. */
  public Optional<View> view(String name) {
    return Optional.ofNullable(views.get(name));
  }

  /** Every open view, by name. */
  public List<View> views() {
    return List.copyOf(views.values());
  }

  /** How many partitions the view's changelog has now (0 if it was just deleted). */
  public int partitions(View view) {
    return log.describeTopic(view.topic()).map(TopicDescription::partitions).orElse(0);
  }

  /** Notices changelog topics created, deleted or recreated since the last look. */
  public void refresh() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      for (String topic : log.topicNames()) {
        Optional<String> view = ViewCatalog.viewOf(topic);
        Optional<TopicDescription> description = log.describeTopic(topic);
        if (view.isEmpty() || description.isEmpty()) {
          continue;
        }
        View open = views.get(view.get());
        if (open == null || !open.topicId().equals(description.get().topicId().toString())) {
          reopen(view.get(), description.get());
        }
      }
      for (View open : List.copyOf(views.values())) {
        Optional<TopicDescription> description = log.describeTopic(open.topic());
        if (description.isEmpty()) {
          LOG.info("changelog {} is gone: removing view {}", open.topic(), open.name());
          views.remove(open.name());
          open.close();
          deleteFiles(open.name());
        }
      }
      deleteOrphanDirectories();
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.warn("looking for view changelogs failed: {}", e.toString());
    }
  }

  /** Opens (or reopens, for a recreated changelog) a view. Caller holds the lock. */
  private void reopen(String name, TopicDescription description) {
    View old = views.remove(name);
    if (old != null) {
      old.close();
    }
    Path directory = options.directory().resolve(name);
    try {
      ViewIndex index =
          ViewIndex.open(directory.resolve("index"), description.topicId().toString());
      View view =
          new View(
              name,
              description.name(),
              description.topicId().toString(),
              index,
              readTtl(name),
              log,
              options);
      views.put(name, view);
      view.start();
      LOG.info(
          "view {} open ({}), indexing {}",
          name,
          index.wasRebuilt() ? "building from the changelog" : "index kept",
          description.name());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the index of view " + name, e);
    }
  }

  private void deleteOrphanDirectories() {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(options.directory())) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!views.containsKey(name)
            && log.describeTopic(CHANGELOG_PREFIX + name).isEmpty()
            && Files.isDirectory(entry)) {
          deleteFiles(name);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", options.directory(), e.toString());
    }
  }

  private void deleteFiles(String name) {
    try {
      Io.deleteRecursively(options.directory().resolve(name));
    } catch (IOException e) {
      LOG.warn("cannot remove the files of view {}: {}", name, e.toString());
    }
  }

  // ------------------------------------------------------------------------------ properties

  private long readTtl(String view) {
    Path file = options.directory().resolve(view).resolve(PROPERTIES_FILE);
    if (!Files.exists(file)) {
      return 0;
    }
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
      return Long.parseLong(properties.getProperty(TTL_PROPERTY, "0"));
    } catch (IOException | NumberFormatException e) {
      LOG.warn("ignoring unreadable {}: {}", file, e.toString());
      return 0;
    }
  }

  private void writeTtl(String view, long ttlMs) {
    Path directory = options.directory().resolve(view);
    try {
      Files.createDirectories(directory);
      Path temporary = directory.resolve(PROPERTIES_FILE + ".tmp");
      Properties properties = new Properties();
      properties.setProperty(TTL_PROPERTY, Long.toString(ttlMs));
      try (OutputStream out = Files.newOutputStream(temporary)) {
        properties.store(out, "view " + view);
      }
      Files.move(temporary, directory.resolve(PROPERTIES_FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the TTL of view " + view, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the view service is closed");
    }
  }

  /** Stops discovery and every indexer, and closes every index. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    discovery.shutdownNow();
    try {
      discovery.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<RuntimeException> failures = new ArrayList<>();
    for (View view : views.values()) {
      try {
        view.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    views.clear();
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
