package io.millrace.bench.http;

import io.millrace.bench.BenchOptions;
import io.millrace.bench.OpenLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * HTTP push ingestion against Kafka-protocol produce into the same running Millrace server, in one
 * run: the figures issue 4 asks for.
 *
 * <ol>
 *   <li><b>NDJSON throughput</b> over 1 and 8 connections: each connection POSTs bodies of {@code
 *       events-per-request} ~100-byte JSON events to {@code /topics/T/records} back to back for
 *       {@code seconds}; events acknowledged per second and per CPU-second of the server process
 *       ({@code /proc/PID/stat}).
 *   <li><b>Kafka produce throughput</b> of the same events with the Java producer, {@code acks=all}
 *       (an HTTP push is answered once durable too), client defaults otherwise.
 *   <li><b>Single-event POST latency</b>, open loop at {@code rate} requests/s on a fixed schedule:
 *       from the scheduled send to the response (HdrHistogram; corrects for coordinated omission).
 *   <li><b>Kafka produce latency</b>, the same schedule, one record per send, {@code linger.ms=0},
 *       {@code acks=all}: from the scheduled send to the acknowledgement.
 * </ol>
 *
 * <pre>
 * java -cp millrace-bench.jar io.millrace.bench.http.HttpIngestBenchmark --http 127.0.0.1:8080 \
 *     --bootstrap 127.0.0.1:9092 --server-pid PID [--topic ingest] [--seconds 15] ...
 * </pre>
 *
 * <p>Lines starting with {@code RESULT} are for the run script's summary; the process exits with
 * status 1 if any request or send fails. Threads: one per connection in the throughput phases; the
 * calling thread sends on schedule in the latency phases (parking, then spinning for the last 100
 * µs), the HTTP client's and the producer's threads complete them.
 */
public final class HttpIngestBenchmark {

  private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final Map<String, String> options;
  private final PrintStream out = System.out;
  private final long clockTicksPerSecond;
  private boolean ok = true;

  private HttpIngestBenchmark(Map<String, String> options) {
    this.options = options;
    this.clockTicksPerSecond = Long.parseLong(options.get("clock-ticks"));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("http", "127.0.0.1:8080");
    options.put("bootstrap", "127.0.0.1:9092");
    options.put("server-pid", "");
    options.put("topic", "ingest");
    options.put("seconds", "15");
    options.put("warmup-seconds", "3");
    options.put("connections", "1,8");
    options.put("events-per-request", "10000");
    options.put("event-bytes", "100");
    options.put("rate", "2000");
    options.put("clock-ticks", "100");
    options.put("cases", "ndjson,kafka,post-latency,kafka-latency");
    BenchOptions.parse("HttpIngestBenchmark", options, args);
    HttpIngestBenchmark benchmark = new HttpIngestBenchmark(options);
    benchmark.run();
    System.exit(benchmark.ok ? 0 : 1);
  }

  private int intOption(String name) {
    return Integer.parseInt(options.get(name));
  }

  private void run() throws Exception {
    byte[] body = ndjson(intOption("events-per-request"), intOption("event-bytes"));
    out.printf(
        "HTTP push vs Kafka produce into Millrace: topic %s, %d-byte events, %d per NDJSON body (%d"
            + " bytes), %d s per case after %d s of warm-up%n",
        options.get("topic"),
        intOption("event-bytes"),
        intOption("events-per-request"),
        body.length,
        intOption("seconds"),
        intOption("warmup-seconds"));
    java.util.Set<String> cases = java.util.Set.of(options.get("cases").split(","));
    if (cases.contains("ndjson")) {
      for (String connections : options.get("connections").split(",")) {
        ndjsonThroughput(Integer.parseInt(connections.trim()), body);
      }
    }
    if (cases.contains("kafka")) {
      kafkaThroughput();
    }
    if (cases.contains("post-latency")) {
      postLatency();
    }
    if (cases.contains("kafka-latency")) {
      kafkaLatency();
    }
  }

  // ------------------------------------------------------------------------------ throughput

  private void ndjsonThroughput(int connections, byte[] body) throws Exception {
    URI uri = recordsUri("");
    throughput(
        "ndjson connections=" + connections,
        connections,
        () -> {
          HttpClient client = HttpClient.newHttpClient(); // one per thread: its own connection
          return () -> {
            HttpResponse<String> response =
                client.send(
                    HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/x-ndjson")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
              throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
            }
            return intOption("events-per-request");
          };
        });
  }

  private void kafkaThroughput() throws Exception {
    byte[] event = event(0, intOption("event-bytes"));
    try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
      AtomicReference<Exception> failure = new AtomicReference<>();
      throughput(
          "kafka-produce acks=all",
          1,
          () ->
              () -> {
                // Sends a chunk asynchronously; the client batches them (16 KiB, linger 5 ms).
                int chunk = 10_000;
                CompletableFuture<Void> last = new CompletableFuture<>();
                for (int i = 0; i < chunk; i++) {
                  boolean isLast = i == chunk - 1;
                  producer.send(
                      new ProducerRecord<>(options.get("topic"), 0, null, event),
                      (metadata, exception) -> {
                        if (exception != null) {
                          failure.compareAndSet(null, exception);
                        }
                        if (isLast) {
                          last.complete(null);
                        }
                      });
                }
                last.get(60, TimeUnit.SECONDS);
                if (failure.get() != null) {
                  throw failure.get();
                }
                return chunk;
              });
    }
  }

  /** What one worker repeats: returns the events acknowledged by one call. */
  private interface Call {
    int call() throws Exception;
  }

  private interface Worker {
    Call create() throws Exception;
  }

  /** Runs {@code threads} workers for warm-up then the measured seconds; prints a RESULT line. */
  private void throughput(String name, int threads, Worker worker) throws Exception {
    long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(intOption("warmup-seconds"));
    long end = warmupEnd + TimeUnit.SECONDS.toNanos(intOption("seconds"));
    AtomicLong events = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    long[] cpuAtStart = new long[1];
    long[] wallAtStart = new long[1];
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Call call = worker.create();
      Thread thread =
          Thread.ofPlatform()
              .name("ingest-" + t)
              .start(
                  () -> {
                    try {
                      while (System.nanoTime() < end && failure.get() == null) {
                        int acknowledged = call.call();
                        if (System.nanoTime() > warmupEnd) {
                          events.addAndGet(acknowledged);
                        }
                      }
                    } catch (Exception e) {
                      failure.compareAndSet(null, e);
                    }
                  });
      started.add(thread);
    }
    LockSupport.parkNanos(Math.max(0, warmupEnd - System.nanoTime()));
    cpuAtStart[0] = serverCpuTicks();
    wallAtStart[0] = System.nanoTime();
    events.set(0);
    for (Thread thread : started) {
      thread.join();
    }
    double seconds = (System.nanoTime() - wallAtStart[0]) / 1e9;
    double cpuSeconds = (serverCpuTicks() - cpuAtStart[0]) / (double) clockTicksPerSecond;
    if (failure.get() != null) {
      ok = false;
      out.printf("RESULT %s | FAILED: %s%n", name, failure.get());
      return;
    }
    out.printf(
        "RESULT %s | events/s=%.0f | server-cpu-s=%.2f | server-cores=%.2f | events-per-server-cpu-s=%.0f%n",
        name,
        events.get() / seconds,
        cpuSeconds,
        cpuSeconds / seconds,
        cpuSeconds > 0 ? events.get() / cpuSeconds : 0);
  }

  // ------------------------------------------------------------------------------ latency

  private void postLatency() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    URI uri = recordsUri("");
    byte[] event = event(0, intOption("event-bytes"));
    openLoop(
        "http-post single-event",
        (scheduledNanos, done) -> {
          CompletableFuture<HttpResponse<Void>> response =
              client.sendAsync(
                  HttpRequest.newBuilder(uri)
                      .header("Content-Type", "application/json")
                      .timeout(Duration.ofSeconds(30))
                      .POST(HttpRequest.BodyPublishers.ofByteArray(event))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
          response.whenComplete(
              (answer, error) ->
                  done.accept(
                      error != null
                          ? error
                          : answer.statusCode() == 200
                              ? null
                              : new IOException("HTTP " + answer.statusCode())));
        });
  }

  private void kafkaLatency() throws Exception {
    byte[] event = event(0, intOption("event-bytes"));
    try (KafkaProducer<byte[], byte[]> producer =
        producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
      producer.partitionsFor(options.get("topic"));
      openLoop(
          "kafka-produce single-record acks=all",
          (scheduledNanos, done) ->
              producer.send(
                  new ProducerRecord<>(options.get("topic"), 0, null, event),
                  (metadata, exception) -> done.accept(exception)));
    }
  }

  private interface Sender {
    void send(long scheduledNanos, java.util.function.Consumer<Throwable> done);
  }

  /** Sends one request every 1/rate s for warm-up then the measured seconds; prints a RESULT. */
  private void openLoop(String name, Sender sender) throws Exception {
    int rate = intOption("rate");
    long periodNanos = 1_000_000_000L / rate;
    long warmupCount = (long) intOption("warmup-seconds") * rate;
    long total = warmupCount + (long) intOption("seconds") * rate;
    Histogram latencies = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    AtomicLong completed = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    CompletableFuture<Void> allDone = new CompletableFuture<>();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    for (long sequence = 0; sequence < total; sequence++) {
      long intended = start + sequence * periodNanos;
      OpenLoop.waitUntil(intended);
      boolean measured = sequence >= warmupCount;
      sender.send(
          intended,
          error -> {
            long latency = System.nanoTime() - intended;
            if (error != null) {
              failed.incrementAndGet();
              firstFailure.compareAndSet(null, error);
            } else if (measured) {
              synchronized (latencies) {
                latencies.recordValue(Math.min(latency, HIGHEST_TRACKABLE_NANOS));
              }
            }
            if (completed.incrementAndGet() == total) {
              allDone.complete(null);
            }
          });
    }
    allDone.get(60, TimeUnit.SECONDS);
    if (failed.get() > 0) {
      ok = false;
    }
    synchronized (latencies) {
      out.printf(
          "RESULT %s | rate=%d/s | count=%d | failed=%d | p50=%.3f | p90=%.3f | p99=%.3f"
              + " | p99.9=%.3f | max=%.3f ms%s%n",
          name,
          rate,
          latencies.getTotalCount(),
          failed.get(),
          latencies.getValueAtPercentile(50) / 1e6,
          latencies.getValueAtPercentile(90) / 1e6,
          latencies.getValueAtPercentile(99) / 1e6,
          latencies.getValueAtPercentile(99.9) / 1e6,
          latencies.getMaxValue() / 1e6,
          firstFailure.get() == null ? "" : " | first failure: " + firstFailure.get());
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private URI recordsUri(String query) {
    return URI.create(
        "http://" + options.get("http") + "/topics/" + options.get("topic") + "/records" + query);
  }

  private KafkaProducer<byte[], byte[]> producer(Map<String, String> overrides) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap"));
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.putAll(overrides);
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** A Nexmark-like bid as JSON, padded to exactly {@code bytes}. */
  static byte[] event(long sequence, int bytes) {
    String head =
        "{\"auction\":"
            + (1000 + sequence % 100)
            + ",\"bidder\":"
            + (sequence % 7919)
            + ",\"price\":"
            + (sequence % 10_000)
            + ",\"pad\":\"";
    int pad = Math.max(0, bytes - head.length() - 2);
    return (head + "x".repeat(pad) + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] ndjson(int events, int eventBytes) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < events; i++) {
      body.append(new String(event(i, eventBytes), StandardCharsets.UTF_8)).append('\n');
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** User + system CPU ticks of the server process so far (0 when no PID was given). */
  private long serverCpuTicks() throws IOException {
    String pid = options.get("server-pid");
    if (pid.isEmpty()) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc", pid, "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // After the command name: field 3 is index 0, so utime (14) and stime (15) are 11 and 12.
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
