package io.millrace.bench.kafka;

import io.millrace.bench.BenchOptions;
import io.millrace.bench.OpenLoop;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end latency through any Kafka-protocol broker under a steady, open-loop load: a producer
 * sends one record every 1/rate seconds on a fixed schedule, whatever happened to earlier records,
 * and a consumer in the same process measures, for every record, the time from when it was
 * <em>scheduled</em> to be sent until {@code poll()} hands it over. Measuring from the schedule
 * corrects for coordinated omission: when the producer is held up (a full buffer, a slow
 * acknowledgement), the records it should have sent meanwhile are charged the wait.
 *
 * <p>Kafka's own {@code EndToEndLatency} tool is closed loop (send, wait for the acknowledgement,
 * poll, repeat) and reports whole milliseconds; this complements it with sub-millisecond
 * percentiles at a given rate.
 *
 * <pre>
 * java -cp millrace-bench.jar io.millrace.bench.kafka.OpenLoopEndToEndLatency \
 *     --bootstrap-server 127.0.0.1:9092 --topic latency [--rates 1000,10000] [--acks all] \
 *     [--record-bytes 100] [--warmup-seconds 5] [--seconds 20]
 * </pre>
 *
 * <p>The topic must exist; the consumer is assigned partition 0 (no group) and starts at its end.
 * The producer uses the client's defaults except {@code acks} and {@code linger.ms=0}; the consumer
 * uses the defaults (a long poll: {@code fetch.min.bytes=1}, {@code fetch.max.wait.ms=500}). Each
 * value starts with the record's sequence number. Lines starting with {@code RESULT} are for the
 * run script's summary; the process exits with status 1 if a record fails, is lost or arrives out
 * of order.
 *
 * <p>Threads: the calling thread sends on schedule (parking, then spinning for the last 100 µs, so
 * it keeps one core busy at high rates); one consumer thread polls and records latencies; the
 * producer's I/O thread runs the callbacks.
 */
public final class OpenLoopEndToEndLatency {

  private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Map<String, String> options;
  private final PrintStream out;

  private OpenLoopEndToEndLatency(Map<String, String> options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("bootstrap-server", "127.0.0.1:9092");
    options.put("topic", "latency");
    options.put("rates", "1000,10000");
    options.put("acks", "all");
    options.put("record-bytes", "100");
    options.put("warmup-seconds", "5");
    options.put("seconds", "20");
    BenchOptions.parse("OpenLoopEndToEndLatency", options, args);
    boolean ok = new OpenLoopEndToEndLatency(options, System.out).run();
    System.exit(ok ? 0 : 1);
  }

  private int intOption(String name) {
    return Integer.parseInt(options.get(name));
  }

  private boolean run() throws InterruptedException {
    int recordBytes = intOption("record-bytes");
    if (recordBytes < Long.BYTES) {
      throw new IllegalArgumentException("--record-bytes must be at least " + Long.BYTES);
    }
    out.printf(
        "open-loop end-to-end latency: %s, topic %s, %d-byte records, acks=%s%n",
        options.get("bootstrap-server"), options.get("topic"), recordBytes, options.get("acks"));
    boolean ok = true;
    for (String rate : options.get("rates").split(",")) {
      ok &= measure(Integer.parseInt(rate.trim()), recordBytes);
    }
    return ok;
  }

  private Properties clientProperties() {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", options.get("bootstrap-server"));
    return properties;
  }

  private KafkaProducer<byte[], byte[]> newProducer() {
    Properties properties = clientProperties();
    properties.put(ProducerConfig.ACKS_CONFIG, options.get("acks"));
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    Properties properties = clientProperties();
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    return new KafkaConsumer<>(
        properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** One rate: a fresh producer and consumer, warm-up, then the measured period. */
  private boolean measure(int ratePerSecond, int recordBytes) throws InterruptedException {
    long periodNanos = 1_000_000_000L / ratePerSecond;
    long warmupCount = intOption("warmup-seconds") * (long) ratePerSecond;
    long totalCount = warmupCount + intOption("seconds") * (long) ratePerSecond;
    TopicPartition partition = new TopicPartition(options.get("topic"), 0);
    try (KafkaProducer<byte[], byte[]> producer = newProducer();
        KafkaConsumer<byte[], byte[]> consumer = newConsumer()) {
      producer.partitionsFor(partition.topic()); // metadata before the clock starts
      consumer.assign(List.of(partition));
      consumer.seekToEnd(List.of(partition));
      consumer.position(partition);
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      ReceiveLoop receiver = new ReceiveLoop(consumer, start, periodNanos, warmupCount, totalCount);
      Thread receiverThread = new Thread(receiver, "latency-consumer");
      receiverThread.start();
      LongAdder failed = new LongAdder();
      AtomicReference<Exception> firstFailure = new AtomicReference<>();
      Histogram sendLag = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
      for (long sequence = 0; sequence < totalCount; sequence++) {
        long intended = start + sequence * periodNanos;
        OpenLoop.waitUntil(intended);
        byte[] value = new byte[recordBytes];
        ByteBuffer.wrap(value).putLong(sequence);
        producer.send(
            new ProducerRecord<>(partition.topic(), partition.partition(), null, value),
            (metadata, exception) -> {
              if (exception != null) {
                failed.increment();
                firstFailure.compareAndSet(null, exception);
              }
            });
        if (sequence >= warmupCount) {
          sendLag.recordValue(Math.min(System.nanoTime() - intended, HIGHEST_TRACKABLE_NANOS));
        }
      }
      producer.flush();
      receiverThread.join(TimeUnit.NANOSECONDS.toMillis(DRAIN_TIMEOUT_NANOS) + 1_000);
      receiver.stop();
      receiverThread.join();
      return report(ratePerSecond, receiver, sendLag, failed.sum(), firstFailure.get());
    }
  }

  private boolean report(
      int ratePerSecond,
      ReceiveLoop receiver,
      Histogram sendLag,
      long failed,
      Exception firstFailure) {
    Histogram latencies = receiver.latencies;
    long expected = receiver.totalCount - receiver.warmupCount;
    boolean ok =
        failed == 0
            && receiver.outOfOrder == 0
            && receiver.failure == null
            && latencies.getTotalCount() == expected;
    out.printf(
        "RESULT rate=%d/s | expected=%d | received=%d | failed=%d | out-of-order=%d"
            + " | p50=%.3f | p90=%.3f | p99=%.3f | p99.9=%.3f | max=%.3f ms | %s%n",
        ratePerSecond,
        expected,
        latencies.getTotalCount(),
        failed,
        receiver.outOfOrder,
        millis(latencies.getValueAtPercentile(50)),
        millis(latencies.getValueAtPercentile(90)),
        millis(latencies.getValueAtPercentile(99)),
        millis(latencies.getValueAtPercentile(99.9)),
        millis(latencies.getMaxValue()),
        ok ? "OK" : "FAILED");
    out.printf(
        "        producer lag behind schedule: p99 %.3f ms, max %.3f ms%n",
        millis(sendLag.getValueAtPercentile(99)), millis(sendLag.getMaxValue()));
    if (firstFailure != null) {
      out.println("        first send failure: " + firstFailure);
    }
    if (receiver.failure != null) {
      out.println("        consumer failure: " + receiver.failure);
    }
    return ok;
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  /**
   * Polls until every record sent has arrived (or it is stopped) and records each measured record's
   * latency from its scheduled send time. Runs on its own thread; its results are read after that
   * thread has been joined.
   */
  private static final class ReceiveLoop implements Runnable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long start;
    private final long periodNanos;
    private final long warmupCount;
    private final long totalCount;
    private final Histogram latencies = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    private volatile boolean stopped;
    private long nextSequence;
    private long outOfOrder;
    private Exception failure;

    ReceiveLoop(
        KafkaConsumer<byte[], byte[]> consumer,
        long start,
        long periodNanos,
        long warmupCount,
        long totalCount) {
      this.consumer = consumer;
      this.start = start;
      this.periodNanos = periodNanos;
      this.warmupCount = warmupCount;
      this.totalCount = totalCount;
    }

    void stop() {
      stopped = true;
      consumer.wakeup();
    }

    @Override
    public void run() {
      long deadline = start + totalCount * periodNanos + DRAIN_TIMEOUT_NANOS;
      try {
        while (nextSequence < totalCount && !stopped && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            long sequence = ByteBuffer.wrap(record.value()).getLong();
            if (sequence != nextSequence) {
              outOfOrder++;
            }
            nextSequence = sequence + 1;
            if (sequence >= warmupCount) {
              long intended = start + sequence * periodNanos;
              latencies.recordValue(Math.min(now - intended, HIGHEST_TRACKABLE_NANOS));
            }
          }
        }
      } catch (org.apache.kafka.common.errors.WakeupException e) {
        // stopped
      } catch (RuntimeException e) {
        failure = e;
      }
    }
  }
}
