package io.millrace.log.write;

/**
 * Kafka's default partitioning of keyed records: {@code toPositive(murmur2(key)) % partitions}, so
 * a key lands on the partition a Kafka producer (and Kafka Streams) would put it on. Stateless and
 * thread-safe.
 */
public final class KafkaPartitioner {

  private KafkaPartitioner() {}

  /** The partition of {@code key} among {@code partitionCount} partitions. */
  public static int partitionOf(byte[] key, int partitionCount) {
    return (murmur2(key) & 0x7fffffff) % partitionCount;
  }

  /** Kafka's 32-bit murmur2 (seed 0x9747b28c), as {@code org.apache.kafka.common.utils.Utils}. */
  @SuppressWarnings("fallthrough") // the tail bytes fall through, as in Kafka's code
  public static int murmur2(byte[] data) {
    int length = data.length;
    final int seed = 0x9747b28c;
    final int m = 0x5bd1e995;
    final int r = 24;
    int h = seed ^ length;
    int length4 = length / 4;
    for (int i = 0; i < length4; i++) {
      final int i4 = i * 4;
      int k =
          (data[i4] & 0xff)
              + ((data[i4 + 1] & 0xff) << 8)
              + ((data[i4 + 2] & 0xff) << 16)
              + ((data[i4 + 3] & 0xff) << 24);
      k *= m;
      k ^= k >>> r;
      k *= m;
      h *= m;
      h ^= k;
    }
    int tail = length4 * 4;
    switch (length % 4) {
      case 3:
        h ^= (data[tail + 2] & 0xff) << 16;
      // fall through
      case 2:
        h ^= (data[tail + 1] & 0xff) << 8;
      // fall through
      case 1:
        h ^= data[tail] & 0xff;
        h *= m;
      // fall through
      default:
        break;
    }
    h ^= h >>> 13;
    h *= m;
    h ^= h >>> 15;
    return h;
  }
}
