package io.millrace.log;

import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.segment.Io;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded log: topics of partitions of segments in one data directory. This is the one narrow
 * interface through which the rest of Millrace stores and reads data.
 *
 * <pre>
 * DATA_DIR/
 *   .lock                      held while open: one process per data directory
 *   .clean-shutdown            present only after a clean close; skips the recovery scan
 *   topics/NAME/topic.properties
 *   topics/NAME/P/00000000000000000000.log     record batches (Kafka v2), as received
 *   topics/NAME/P/00000000000000000000.index   sparse offset + time index
 *   topics/NAME/P/partition.checkpoint         recovery point, log start, first dirty offset
 *   trash/                     deleted topics, removed in the background
 * </pre>
 *
 * <p>Threads it owns: {@code millrace-log-scheduler} (retention, roll fsyncs, delayed deletes),
 * {@code millrace-log-cleaner} (compaction) and {@code millrace-group-commit}. Admin operations
 * (create, delete, alter) are serialized; appends and reads go straight to the partitions.
 */
public final class Log implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Log.class);
  private static final Pattern LEGAL_TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
  private static final int MAX_PARTITIONS = 100_000;

  /**
   * Data directories open in this JVM. The file lock only keeps other processes out; within this
   * one, a second open must be refused before it opens a second channel on {@code .lock}, because
   * closing that channel releases this process's lock on the file (POSIX locks belong to the
   * process, not the channel) and would let another process open the directory too.
   */
  private static final Set<Path> OPEN_DIRECTORIES = ConcurrentHashMap.newKeySet();

  private final LogOptions options;
  private final Path topicsDirectory;
  private final Path trashDirectory;
  private final Path openDirectory;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ScheduledExecutorService scheduler;
  private final ScheduledExecutorService cleanerExecutor;
  private final GroupCommitFlusher flusher;
  private final LogServices services;
  private final LogCleaner cleaner;
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final Map<UUID, String> topicNamesById = new ConcurrentHashMap<>();
  private final Object adminLock = new Object();
  private GroupOffsetStore offsetStore;
  private volatile boolean closed;

  /** A topic's description and its open partitions (replaced whole when partitions are added). */
  private record Topic(TopicDescription description, List<PartitionLog> partitions) {}

  private Log(LogOptions options, Path openDirectory, FileChannel lockChannel, FileLock lock) {
    this.options = options;
    this.openDirectory = openDirectory;
    this.topicsDirectory = options.dataDirectory().resolve("topics");
    this.trashDirectory = options.dataDirectory().resolve("trash");
    this.lockChannel = lockChannel;
    this.lock = lock;
    ScheduledThreadPoolExecutor background =
        new ScheduledThreadPoolExecutor(1, daemonThreads("millrace-log-scheduler"));
    background.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.scheduler = background;
    this.cleanerExecutor =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("millrace-log-cleaner"));
    this.flusher = new GroupCommitFlusher(options.clock());
    this.services =
        new LogServices(
            options.clock(), options.fileIo(), scheduler, flusher, options.fileDeleteDelayMs());
    this.cleaner = new LogCleaner(options.cleanerMaxKeys());
  }

  /**
   * Opens (or creates) the log in {@code options.dataDirectory()}, recovering every partition whose
   * data was not cleanly closed.
   *
   * @throws IllegalStateException if another process has the directory open
   */
  public static Log open(LogOptions options) throws IOException {
    long startNanos = System.nanoTime();
    Path dataDirectory = options.dataDirectory();
    Files.createDirectories(dataDirectory);
    Path openDirectory = dataDirectory.toRealPath();
    if (!OPEN_DIRECTORIES.add(openDirectory)) {
      throw new IllegalStateException(
          "data directory " + dataDirectory + " is in use by another Log in this process");
    }
    FileChannel lockChannel;
    FileLock lock;
    try {
      lockChannel =
          FileChannel.open(
              dataDirectory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = lockChannel.tryLock();
      } catch (IOException | RuntimeException e) {
        lockChannel.close();
        throw e;
      }
      if (lock == null) {
        lockChannel.close();
        throw new IllegalStateException(
            "data directory " + dataDirectory + " is in use by another Millrace process");
      }
    } catch (IOException | RuntimeException e) {
      OPEN_DIRECTORIES.remove(openDirectory);
      throw e;
    }
    Log log = new Log(options, openDirectory, lockChannel, lock);
    try {
      boolean fresh = !Files.exists(log.topicsDirectory);
      boolean clean = log.consumeCleanShutdownMarker();
      log.loadTopics(clean);
      log.startBackgroundWork();
      log.offsetStore = GroupOffsetStore.open(log, options.offsetsTopicPartitions());
      LOG.info(
          "log opened at {}: {} topics, {} partitions, {} in {} ms",
          dataDirectory,
          log.topics.size(),
          log.topics.values().stream().mapToInt(t -> t.partitions().size()).sum(),
          fresh ? "new" : clean ? "clean shutdown" : "recovered after an unclean shutdown",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
      return log;
    } catch (IOException | RuntimeException e) {
      log.closeQuietlyAfterFailedOpen();
      throw e;
    }
  }

  private boolean consumeCleanShutdownMarker() throws IOException {
    Path marker = options.dataDirectory().resolve(CLEAN_SHUTDOWN_FILE);
    boolean clean = Files.deleteIfExists(marker);
    if (clean) {
      // Gone before any append: a crash from now on must not skip recovery.
      Io.fsyncDirectory(options.dataDirectory());
    }
    return clean;
  }

  private void loadTopics(boolean clean) throws IOException {
    Files.createDirectories(topicsDirectory);
    Io.deleteRecursively(trashDirectory);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(topicsDirectory)) {
      for (Path topicDirectory : entries) {
        String name = topicDirectory.getFileName().toString();
        if (!Files.exists(topicDirectory.resolve(TopicStore.FILE_NAME))) {
          LOG.warn(
              "ignoring {}: no {} (an interrupted create?)", topicDirectory, TopicStore.FILE_NAME);
          continue;
        }
        TopicStore.Stored stored = TopicStore.read(topicDirectory);
        UUID id = stored.id();
        if (id == null) {
          id = UUID.randomUUID();
          TopicStore.write(topicDirectory, id, stored.partitions(), stored.overrides());
        }
        TopicConfig config =
            options.topicDefaults().with(stored.overrides(), options.topicDefaults());
        List<PartitionLog> partitions = new ArrayList<>();
        for (int p = 0; p < stored.partitions(); p++) {
          partitions.add(openPartition(name, p, config, clean));
        }
        topicNamesById.put(id, name);
        topics.put(
            name,
            new Topic(
                new TopicDescription(name, id, stored.partitions(), config, stored.overrides()),
                List.copyOf(partitions)));
      }
    }
  }

  private PartitionLog openPartition(String topic, int partition, TopicConfig config, boolean clean)
      throws IOException {
    return PartitionLog.open(
        new TopicPartition(topic, partition),
        topicsDirectory.resolve(topic).resolve(Integer.toString(partition)),
        config,
        clean,
        services);
  }

  private void startBackgroundWork() {
    flusher.start();
    scheduler.scheduleWithFixedDelay(
        this::runRetention,
        options.retentionCheckIntervalMs(),
        options.retentionCheckIntervalMs(),
        TimeUnit.MILLISECONDS);
    cleanerExecutor.scheduleWithFixedDelay(
        this::runCleaner,
        options.cleanerIntervalMs(),
        options.cleanerIntervalMs(),
        TimeUnit.MILLISECONDS);
  }

  // ----------------------------------------------------------------------------------- admin

  /**
   * Creates a topic.
   *
   * @param overrides settings that differ from the log's topic defaults
   */
  public TopicDescription createTopic(String name, int partitions, Map<String, String> overrides) {
    checkTopicName(name);
    checkPartitionCount(partitions);
    synchronized (adminLock) {
      ensureOpen();
      if (topics.containsKey(name)) {
        throw new InvalidRequestException(
            InvalidRequestException.Reason.TOPIC_EXISTS, "topic " + name + " already exists");
      }
      // A null value means the default, as in alterTopicConfig (Kafka's CreateTopics allows it):
      // nothing to store, and topic.properties (java.util.Properties) cannot hold a null.
      overrides.keySet().forEach(TopicConfig::requireKnown);
      Map<String, String> stored = new TreeMap<>();
      overrides.forEach(
          (setting, value) -> {
            if (value != null) {
              stored.put(setting, value);
            }
          });
      TopicConfig config = options.topicDefaults().with(stored, options.topicDefaults());
      Path topicDirectory = topicsDirectory.resolve(name);
      UUID id = UUID.randomUUID();
      List<PartitionLog> opened = new ArrayList<>();
      try {
        Files.createDirectories(topicDirectory);
        TopicStore.write(topicDirectory, id, partitions, stored);
        for (int p = 0; p < partitions; p++) {
          opened.add(openPartition(name, p, config, true));
        }
      } catch (IOException e) {
        opened.forEach(PartitionLog::closeQuietly);
        throw new StorageException("creating topic " + name + " failed", e);
      }
      TopicDescription description = new TopicDescription(name, id, partitions, config, stored);
      topics.put(name, new Topic(description, List.copyOf(opened)));
      topicNamesById.put(id, name);
      LOG.info("created topic {} with {} partitions {}", name, partitions, stored);
      return description;
    }
  }

  /** Deletes a topic and all its data. */
  public void deleteTopic(String name) {
    synchronized (adminLock) {
      ensureOpen();
      Topic topic = requireTopic(name);
      if (name.equals(GroupOffsetStore.TOPIC)) {
        throw new InvalidRequestException(
            InvalidRequestException.Reason.INVALID_TOPIC_NAME,
            "the internal topic " + name + " cannot be deleted");
      }
      topics.remove(name);
      topicNamesById.remove(topic.description().topicId());
      for (PartitionLog partition : topic.partitions()) {
        partition.closeQuietly();
      }
      try {
        Files.createDirectories(trashDirectory);
        Path trashed = trashDirectory.resolve(name + "-" + System.nanoTime());
        Files.move(topicsDirectory.resolve(name), trashed);
        Io.fsyncDirectory(topicsDirectory);
        scheduler.execute(() -> deleteTrash(trashed));
      } catch (IOException e) {
        throw new StorageException("deleting topic " + name + " failed", e);
      }
      LOG.info("deleted topic {}", name);
    }
  }

  private static void deleteTrash(Path trashed) {
    try {
      Io.deleteRecursively(trashed);
    } catch (IOException e) {
      LOG.warn("could not remove {}: {} (it goes at next start)", trashed, e.toString());
    }
  }

  /** Grows a topic to {@code totalPartitions} partitions (partitions are never removed). */
  public TopicDescription createPartitions(String name, int totalPartitions) {
    checkPartitionCount(totalPartitions);
    synchronized (adminLock) {
      ensureOpen();
      Topic topic = requireTopic(name);
      TopicDescription old = topic.description();
      if (totalPartitions <= old.partitions()) {
        throw new InvalidRequestException(
            InvalidRequestException.Reason.INVALID_PARTITIONS,
            "topic "
                + name
                + " has "
                + old.partitions()
                + " partitions; the new count must be larger");
      }
      List<PartitionLog> partitions = new ArrayList<>(topic.partitions());
      try {
        TopicStore.write(
            topicsDirectory.resolve(name), old.topicId(), totalPartitions, old.overrides());
        for (int p = old.partitions(); p < totalPartitions; p++) {
          partitions.add(openPartition(name, p, old.config(), true));
        }
      } catch (IOException e) {
        throw new StorageException("adding partitions to " + name + " failed", e);
      }
      TopicDescription description =
          new TopicDescription(name, old.topicId(), totalPartitions, old.config(), old.overrides());
      topics.put(name, new Topic(description, List.copyOf(partitions)));
      LOG.info("topic {} now has {} partitions", name, totalPartitions);
      return description;
    }
  }

  /**
   * Changes a topic's settings; a null value removes the override (back to the default). All
   * changes are checked before any is applied.
   */
  public TopicDescription alterTopicConfig(String name, Map<String, String> changes) {
    synchronized (adminLock) {
      ensureOpen();
      Topic topic = requireTopic(name);
      TopicDescription old = topic.description();
      Map<String, String> overrides = new TreeMap<>(old.overrides());
      for (Map.Entry<String, String> change : changes.entrySet()) {
        if (change.getValue() == null) {
          overrides.remove(change.getKey());
        } else {
          overrides.put(change.getKey(), change.getValue());
        }
      }
      changes.keySet().forEach(TopicConfig::requireKnown);
      TopicConfig config = options.topicDefaults().with(overrides, options.topicDefaults());
      if (config.cleanupPolicy() != old.config().cleanupPolicy()
          && name.equals(GroupOffsetStore.TOPIC)) {
        throw new InvalidRequestException(
            InvalidRequestException.Reason.INVALID_CONFIG,
            "the cleanup.policy of " + name + " cannot change");
      }
      try {
        TopicStore.write(topicsDirectory.resolve(name), old.topicId(), old.partitions(), overrides);
      } catch (IOException e) {
        throw new StorageException("altering topic " + name + " failed", e);
      }
      for (PartitionLog partition : topic.partitions()) {
        partition.updateConfig(config);
      }
      TopicDescription description =
          new TopicDescription(name, old.topicId(), old.partitions(), config, overrides);
      topics.put(name, new Topic(description, topic.partitions()));
      LOG.info("altered topic {}: {}", name, changes);
      return description;
    }
  }

  /** Every topic name, sorted. */
  public Collection<String> topicNames() {
    return new TreeSet<>(topics.keySet());
  }

  /** The topic with this id, if it exists. */
  public Optional<TopicDescription> describeTopic(UUID topicId) {
    String name = topicNamesById.get(topicId);
    return name == null ? Optional.empty() : describeTopic(name);
  }

  public Optional<TopicDescription> describeTopic(String name) {
    Topic topic = topics.get(name);
    return topic == null ? Optional.empty() : Optional.of(topic.description());
  }

  /**
   * The partition to append to and read from.
   *
   * @throws InvalidRequestException UNKNOWN_TOPIC if the topic or partition does not exist
   */
  public PartitionLog partition(TopicPartition topicPartition) {
    Topic topic = topics.get(topicPartition.topic());
    if (topic == null || topicPartition.partition() >= topic.partitions().size()) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.UNKNOWN_TOPIC, "unknown partition " + topicPartition);
    }
    return topic.partitions().get(topicPartition.partition());
  }

  /** The partitions of a topic, in partition order. */
  public List<PartitionLog> partitions(String name) {
    return requireTopic(name).partitions();
  }

  /** The committed consumer-group offsets, shared by the Kafka listener and pipelines. */
  public GroupOffsetStore offsetStore() {
    return offsetStore;
  }

  public LogOptions options() {
    return options;
  }

  /** False once {@link #close()} has begun (for health checks; never blocks). */
  public boolean isOpen() {
    return !closed;
  }

  // --------------------------------------------------------------------- background work

  /** Applies retention to every partition now; returns the number of segments deleted. */
  public int runRetention() {
    int deleted = 0;
    long now = options.clock().millis();
    for (Topic topic : topics.values()) {
      for (PartitionLog partition : topic.partitions()) {
        try {
          deleted += partition.enforceRetention(now);
        } catch (RuntimeException e) {
          LOG.warn("retention on {} failed", partition.topicPartition(), e);
        }
      }
    }
    return deleted;
  }

  private void runCleaner() {
    for (Topic topic : topics.values()) {
      for (PartitionLog partition : topic.partitions()) {
        try {
          cleaner.clean(partition, false);
        } catch (IOException | RuntimeException e) {
          LOG.warn("compaction of {} failed: {}", partition.topicPartition(), e.toString());
        }
      }
    }
  }

  /**
   * Compacts one partition of a compacted topic now, whatever its dirty ratio. Runs on the cleaner
   * thread; returns when done.
   */
  public void compactNow(TopicPartition topicPartition) {
    PartitionLog partition = partition(topicPartition);
    try {
      cleanerExecutor.submit(() -> cleaner.clean(partition, true)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while compacting " + topicPartition, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new StorageException("compaction of " + topicPartition + " failed", e.getCause());
    }
  }

  // ----------------------------------------------------------------------------------- close

  /**
   * Stops background work, flushes and closes every partition, and marks the shutdown clean so the
   * next open skips the recovery scan. Idempotent.
   */
  @Override
  public void close() throws IOException {
    synchronized (adminLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    shutdownExecutors();
    boolean allClosed = true;
    if (offsetStore != null) {
      offsetStore.close();
    }
    for (Topic topic : topics.values()) {
      for (PartitionLog partition : topic.partitions()) {
        try {
          partition.close();
        } catch (IOException | RuntimeException e) {
          allClosed = false;
          LOG.error("closing {} failed; next start will recover it", partition.topicPartition(), e);
        }
      }
    }
    flusher.close();
    try {
      if (allClosed) {
        Files.createFile(options.dataDirectory().resolve(CLEAN_SHUTDOWN_FILE));
        Io.fsyncDirectory(options.dataDirectory());
      }
    } finally {
      try {
        lock.release();
        lockChannel.close();
      } finally {
        OPEN_DIRECTORIES.remove(openDirectory);
      }
    }
    LOG.info("log closed at {}", options.dataDirectory());
  }

  private void shutdownExecutors() {
    cleanerExecutor.shutdownNow();
    scheduler.shutdown();
    try {
      cleanerExecutor.awaitTermination(30, TimeUnit.SECONDS);
      scheduler.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietlyAfterFailedOpen() {
    shutdownExecutors();
    for (Topic topic : topics.values()) {
      topic.partitions().forEach(PartitionLog::closeQuietly);
    }
    try {
      flusher.close();
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("cleanup after failed open: {}", e.toString());
    } finally {
      OPEN_DIRECTORIES.remove(openDirectory);
    }
  }

  // --------------------------------------------------------------------------------- helpers

  private Topic requireTopic(String name) {
    Topic topic = topics.get(name);
    if (topic == null) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.UNKNOWN_TOPIC, "unknown topic " + name);
    }
    return topic;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the log is closed");
    }
  }

  private static void checkTopicName(String name) {
    if (name == null
        || !LEGAL_TOPIC_NAME.matcher(name).matches()
        || name.equals(".")
        || name.equals("..")) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.INVALID_TOPIC_NAME,
          "invalid topic name '"
              + name
              + "': use 1 to 249 characters from a-z A-Z 0-9 . _ - (not '.' or '..')");
    }
  }

  private static void checkPartitionCount(int partitions) {
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new InvalidRequestException(
          InvalidRequestException.Reason.INVALID_PARTITIONS,
          "partition count must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
