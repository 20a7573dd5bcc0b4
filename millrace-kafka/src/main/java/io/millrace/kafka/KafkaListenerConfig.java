package io.millrace.kafka;

/**
 * Settings of the Kafka listener, validated once when built.
 *
 * @param bindHost address to listen on
 * @param port port to listen on (0 picks a free one, for tests)
 * @param advertisedHost host name clients are told to connect to (Metadata responses)
 * @param advertisedPort port clients are told to connect to; -1 means the bound port
 * @param maxRequestBytes a request frame larger than this closes the connection
 * @param maxConnections connections beyond this are closed on accept
 * @param idleTimeoutMs connections silent for longer are closed
 * @param processorThreads network threads, each owning a share of the connections
 * @param autoCreateTopics create unknown topics on Metadata and Produce, as Kafka's
 *     auto.create.topics.enable
 * @param defaultPartitions partitions of auto-created topics
 * @param groupInitialRebalanceDelayMs how long the first rebalance of an empty group waits for more
 *     members (Kafka's group.initial.rebalance.delay.ms; 0 here, as single-node setups use)
 */
public record KafkaListenerConfig(
    String bindHost,
    int port,
    String advertisedHost,
    int advertisedPort,
    int maxRequestBytes,
    int maxConnections,
    long idleTimeoutMs,
    int processorThreads,
    boolean autoCreateTopics,
    int defaultPartitions,
    long groupInitialRebalanceDelayMs) {

  public KafkaListenerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("kafka port must be 0..65535, was " + port);
    }
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException("max request bytes must be >= 1024");
    }
    if (groupInitialRebalanceDelayMs < 0) {
      throw new IllegalArgumentException("group initial rebalance delay must be >= 0");
    }
    if (maxConnections < 1 || processorThreads < 1 || defaultPartitions < 1 || idleTimeoutMs < 1) {
      throw new IllegalArgumentException(
          "max connections, processor threads, default partitions and idle timeout must be > 0");
    }
  }

  /** Kafka's defaults on 127.0.0.1:9092. */
  public static KafkaListenerConfig defaults() {
    return new KafkaListenerConfig(
        "127.0.0.1",
        9092,
        "127.0.0.1",
        -1,
        100 * 1024 * 1024,
        10_000,
        600_000,
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        true,
        1,
        0);
  }

  public KafkaListenerConfig withPort(int newPort) {
    return new KafkaListenerConfig(
        bindHost,
        newPort,
        advertisedHost,
        advertisedPort,
        maxRequestBytes,
        maxConnections,
        idleTimeoutMs,
        processorThreads,
        autoCreateTopics,
        defaultPartitions,
        groupInitialRebalanceDelayMs);
  }

  public KafkaListenerConfig withAutoCreateTopics(boolean enabled) {
    return new KafkaListenerConfig(
        bindHost,
        port,
        advertisedHost,
        advertisedPort,
        maxRequestBytes,
        maxConnections,
        idleTimeoutMs,
        processorThreads,
        enabled,
        defaultPartitions,
        groupInitialRebalanceDelayMs);
  }

  public KafkaListenerConfig withMaxRequestBytes(int bytes) {
    return new KafkaListenerConfig(
        bindHost,
        port,
        advertisedHost,
        advertisedPort,
        bytes,
        maxConnections,
        idleTimeoutMs,
        processorThreads,
        autoCreateTopics,
        defaultPartitions,
        groupInitialRebalanceDelayMs);
  }
}
