package io.millrace.kafka;

import io.millrace.kafka.group.GroupCoordinator;
import io.millrace.kafka.handler.ApiHandler;
import io.millrace.kafka.handler.ApiVersionsHandler;
import io.millrace.kafka.handler.Broker;
import io.millrace.kafka.handler.ConfigApis;
import io.millrace.kafka.handler.FetchHandler;
import io.millrace.kafka.handler.GroupApis;
import io.millrace.kafka.handler.InitProducerIdHandler;
import io.millrace.kafka.handler.ListOffsetsHandler;
import io.millrace.kafka.handler.MetadataHandler;
import io.millrace.kafka.handler.ProduceHandler;
import io.millrace.kafka.handler.ProducerIdAllocator;
import io.millrace.kafka.handler.TopicAdminHandler;
import io.millrace.kafka.network.Acceptor;
import io.millrace.log.Log;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka-compatible listener: Kafka clients produce to and fetch from the log over the Kafka
 * wire protocol, unchanged.
 *
 * <p>Threads: {@code millrace-kafka-acceptor}, {@code millrace-kafka-network-N} (one per processor,
 * see {@link Acceptor}), {@code millrace-kafka-fetch} (rebuilds long-polled fetch responses) and
 * {@code millrace-kafka-admin} (topic and group administration) and {@code millrace-kafka-groups}
 * (rebalance and session timers).
 */
public final class KafkaListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaListener.class);

  private final Acceptor acceptor;
  private final ExecutorService fetchExecutor;
  private final ExecutorService adminExecutor;
  private final ScheduledExecutorService groupTimers;
  private final GroupCoordinator coordinator;

  private KafkaListener(
      Acceptor acceptor,
      ExecutorService fetchExecutor,
      ExecutorService adminExecutor,
      ScheduledExecutorService groupTimers,
      GroupCoordinator coordinator) {
    this.acceptor = acceptor;
    this.fetchExecutor = fetchExecutor;
    this.adminExecutor = adminExecutor;
    this.groupTimers = groupTimers;
    this.coordinator = coordinator;
  }

  /**
   * Starts building Kafka's protocol schemas (the class initialisation of {@link ApiKeys}: a few
   * hundred milliseconds of CPU, most of the listener's start) on a thread of its own, so a server
   * can open its log meanwhile. {@link #start} needs no call to this; when it runs before the
   * schemas are built, it simply waits for them (the JVM's class-initialisation lock).
   */
  public static void prepareProtocolInBackground() {
    Thread.ofPlatform()
        .name("millrace-kafka-protocol-init")
        .daemon()
        .start(() -> ApiKeys.values()[0].latestVersion());
  }

  /** Binds the port and starts answering Kafka requests against {@code log}. */
  public static KafkaListener start(Log log, KafkaListenerConfig config) throws IOException {
    ExecutorService fetchExecutor =
        Executors.newSingleThreadExecutor(named("millrace-kafka-fetch"));
    ExecutorService adminExecutor =
        Executors.newSingleThreadExecutor(named("millrace-kafka-admin"));
    ScheduledExecutorService groupTimers =
        Executors.newSingleThreadScheduledExecutor(named("millrace-kafka-groups"));
    GroupCoordinator coordinator =
        new GroupCoordinator(groupTimers, config.groupInitialRebalanceDelayMs());
    AtomicInteger boundPort = new AtomicInteger(config.port());
    Broker broker =
        new Broker(
            log,
            clusterId(log.options().dataDirectory()),
            config.advertisedHost(),
            () -> config.advertisedPort() > 0 ? config.advertisedPort() : boundPort.get(),
            config.autoCreateTopics(),
            config.defaultPartitions());
    Map<ApiKeys, ApiHandler> handlers = new EnumMap<>(ApiKeys.class);
    handlers.put(ApiKeys.METADATA, new MetadataHandler(broker));
    handlers.put(ApiKeys.PRODUCE, new ProduceHandler(broker));
    handlers.put(ApiKeys.FETCH, new FetchHandler(broker, fetchExecutor));
    handlers.put(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(broker));
    handlers.put(
        ApiKeys.INIT_PRODUCER_ID,
        new InitProducerIdHandler(
            new ProducerIdAllocator(log.options().dataDirectory().resolve("producer-ids"))));
    TopicAdminHandler topicAdmin = new TopicAdminHandler(broker, adminExecutor);
    for (ApiKeys key : TopicAdminHandler.APIS) {
      handlers.put(key, topicAdmin);
    }
    ConfigApis configApis = new ConfigApis(broker, adminExecutor);
    for (ApiKeys key : ConfigApis.APIS) {
      handlers.put(key, configApis);
    }
    GroupApis groupApis = new GroupApis(broker, coordinator, adminExecutor);
    for (ApiKeys key : GroupApis.APIS) {
      handlers.put(key, groupApis);
    }
    java.util.Set<ApiKeys> advertised = java.util.EnumSet.copyOf(handlers.keySet());
    advertised.add(ApiKeys.API_VERSIONS);
    handlers.put(ApiKeys.API_VERSIONS, new ApiVersionsHandler(advertised));
    KafkaApis apis = new KafkaApis(handlers);
    try {
      Acceptor acceptor =
          Acceptor.start(
              new InetSocketAddress(config.bindHost(), config.port()),
              apis,
              config.processorThreads(),
              config.maxRequestBytes(),
              config.idleTimeoutMs(),
              config.maxConnections());
      boundPort.set(acceptor.port());
      LOG.info("Kafka listener on {}:{}", config.bindHost(), acceptor.port());
      return new KafkaListener(acceptor, fetchExecutor, adminExecutor, groupTimers, coordinator);
    } catch (IOException e) {
      fetchExecutor.shutdownNow();
      adminExecutor.shutdownNow();
      groupTimers.shutdownNow();
      throw new IOException(
          "cannot listen on " + config.bindHost() + ":" + config.port() + ": " + e.getMessage(), e);
    }
  }

  private volatile boolean closed;

  /** The port bound (the configured one, or the one picked for port 0). */
  public int port() {
    return acceptor.port();
  }

  /**
   * The cluster id Kafka clients see: made once per data directory and kept in it, so clients
   * notice when they are pointed at a different one.
   */
  private static String clusterId(Path dataDirectory) throws IOException {
    Path file = dataDirectory.resolve("cluster.id");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    String id = Uuid.randomUuid().toString();
    io.millrace.log.segment.Io.writeAtomically(file, id.getBytes(StandardCharsets.UTF_8));
    return id;
  }

  /** True from start until {@link #close()} begins (for health checks; never blocks). */
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void close() {
    closed = true;
    acceptor.close();
    coordinator.close();
    groupTimers.shutdownNow();
    fetchExecutor.shutdownNow();
    adminExecutor.shutdown();
    try {
      adminExecutor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
