package io.millrace.serve;

import io.millrace.log.Log;
import io.millrace.log.write.KafkaPartitioner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One open view: its name, changelog topic, TTL, local index and the thread that feeds it. Queries
 * go through here so that every read applies the TTL the same way.
 *
 * <p>Thread-safe: reads run on any number of threads; the TTL may change at any time ({@link
 * ViewService#ensureView}).
 */
public final class View implements AutoCloseable {

  private final String name;
  private final String topic;
  private final String topicId;
  private final ViewIndex index;
  private final ViewIndexer indexer;
  private final AtomicLong ttlMs;

  /** Opens the view over an opened index; {@link #start()} starts indexing. */
  View(
      String name,
      String topic,
      String topicId,
      ViewIndex index,
      long ttlMs,
      Log log,
      ViewOptions options) {
    this.name = name;
    this.topic = topic;
    this.topicId = topicId;
    this.index = index;
    this.ttlMs = new AtomicLong(ttlMs);
    this.indexer = new ViewIndexer(log, topic, index, this.ttlMs::get, options);
  }

  void start() {
    indexer.start();
  }

  public String name() {
    return name;
  }

  /** The changelog topic this view indexes. */
  public String topic() {
    return topic;
  }

  String topicId() {
    return topicId;
  }

  /** Rows older than this many milliseconds (by record timestamp) read as absent; 0 = never. */
  public long ttlMs() {
    return ttlMs.get();
  }

  void ttlMs(long ttlMs) {
    this.ttlMs.set(ttlMs);
  }

  public ViewIndexer indexer() {
    return indexer;
  }

  /** The row of {@code key}, or null if there is none (or it expired). */
  public ViewIndex.Row get(byte[] key) {
    return index.get(key, indexer.expiredBeforeMs());
  }

  /** See {@link ViewIndex#scan}. */
  public ViewIndex.Page scan(
      byte[] prefix, byte[] from, byte[] to, byte[] after, int limit, int maxExamined) {
    return index.scan(prefix, from, to, after, limit, maxExamined, indexer.expiredBeforeMs());
  }

  public long approximateRows() {
    return index.approximateRows();
  }

  /**
   * The changelog partition a key's records go to (murmur2, as TopicWriter and Kafka place them).
   */
  public static int partitionOf(byte[] key, int partitions) {
    return KafkaPartitioner.partitionOf(key, partitions);
  }

  /** Stops indexing and closes the index. Idempotent. */
  @Override
  public void close() {
    try {
      indexer.close();
    } finally {
      index.close();
    }
  }
}
