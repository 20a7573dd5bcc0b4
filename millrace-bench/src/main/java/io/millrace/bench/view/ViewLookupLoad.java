package io.millrace.bench.view;

import io.millrace.bench.BenchOptions;
import io.millrace.bench.OpenLoop;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load of point lookups ({@code GET /views/VIEW/KEY}) against a running server, from its
 * own process, in the manner of wrk2: requests are due on a fixed schedule ({@code --rate} per
 * second), and each one's latency is measured from the moment it was <em>due</em>, not sent, so a
 * server that falls behind shows it in the latency (corrected for coordinated omission).
 *
 * <p>A pacer thread puts the due times of the requests into a queue every 0.5 ms; {@code
 * --connections} keep-alive HTTP/1.1 connections, each served by one virtual thread, take them in
 * turn, send the request and read the answer (one request in flight per connection; the JDK server
 * does not pipeline). Keys are drawn uniformly from {@code KEY_PREFIX + %07d} of {@code 0..keys-1}.
 * A bare HTTP/1.1 client over sockets, because {@code java.net.http} costs more CPU per request
 * than the server does and the load generator shares the machine.
 */
public final class ViewLookupLoad {

  private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long TICK_NANOS = 500_000;
  private static final int MAX_QUEUED = 1 << 20;

  private final String host;
  private final int port;
  private final String view;
  private final String keyPrefix;
  private final int keys;
  private final BlockingQueue<Long> due = new ArrayBlockingQueue<>(MAX_QUEUED);
  private final Histogram latencies = new ConcurrentHistogram(HIGHEST_TRACKABLE_NANOS, 3);
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong notFound = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile long measureFromNanos = Long.MAX_VALUE;
  private volatile boolean stopping;
  private String serverPid = "";
  private long clockTicksPerSecond = 100;
  private long serverCpuTicksAtStart = -1;
  private long serverCpuTicksAtEnd = -1;

  private ViewLookupLoad(String address, String view, String keyPrefix, int keys) {
    int colon = address.lastIndexOf(':');
    this.host = address.substring(0, colon);
    this.port = Integer.parseInt(address.substring(colon + 1));
    this.view = view;
    this.keyPrefix = keyPrefix;
    this.keys = keys;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("http", "127.0.0.1:8080");
    defaults.put("view", "bench");
    defaults.put("key-prefix", "user-");
    defaults.put("keys", "100000");
    defaults.put("rate", "50000");
    defaults.put("connections", "32");
    defaults.put("warmup-seconds", "5");
    defaults.put("seconds", "10");
    defaults.put("server-pid", "");
    defaults.put("clock-ticks", "100");
    Map<String, String> options = BenchOptions.parse("ViewLookupLoad", defaults, args);
    ViewLookupLoad load =
        new ViewLookupLoad(
            options.get("http"),
            options.get("view"),
            options.get("key-prefix"),
            Integer.parseInt(options.get("keys")));
    load.serverPid = options.get("server-pid");
    load.clockTicksPerSecond = Long.parseLong(options.get("clock-ticks"));
    load.run(
        Integer.parseInt(options.get("rate")),
        Integer.parseInt(options.get("connections")),
        Integer.parseInt(options.get("warmup-seconds")),
        Integer.parseInt(options.get("seconds")));
  }

  private void run(int rate, int connections, int warmupSeconds, int seconds) throws Exception {
    Thread[] clients = new Thread[connections];
    for (int c = 0; c < connections; c++) {
      long seed = c;
      clients[c] = Thread.ofVirtual().name("lookup-" + c).start(() -> connection(seed));
    }
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
    measureFromNanos = measureFrom;
    long next = start;
    long scheduled = 0;
    long measuredScheduled = 0;
    while (next < end) {
      OpenLoop.waitUntil(Math.min(end, System.nanoTime() + TICK_NANOS));
      long now = System.nanoTime();
      if (serverCpuTicksAtStart < 0 && now >= measureFrom) {
        serverCpuTicksAtStart = serverCpuTicks();
      }
      while (next <= now && next < end) {
        if (!due.offer(next)) {
          throw new IllegalStateException(
              "more than " + MAX_QUEUED + " requests queued: the server is far behind the rate");
        }
        scheduled++;
        if (next >= measureFrom) {
          measuredScheduled++;
        }
        next += intervalNanos;
      }
    }
    serverCpuTicksAtEnd = serverCpuTicks();
    // Let the queued requests finish (they count: they were due within the run).
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!due.isEmpty() && System.nanoTime() < drainDeadline) {
      OpenLoop.waitUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10));
    }
    stopping = true;
    for (Thread client : clients) {
      client.join(TimeUnit.SECONDS.toMillis(35));
    }
    report(rate, connections, seconds, scheduled, measuredScheduled);
  }

  /**
   * One keep-alive connection: take a due time, send, read the answer, record; reconnect on error.
   */
  private void connection(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] requestHead =
        ("GET /views/" + view + "/" + keyPrefix).getBytes(StandardCharsets.US_ASCII);
    byte[] requestTail =
        (" HTTP/1.1\r\nHost: " + host + "\r\nAccept: application/json\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] buffer = new byte[64 * 1024];
    while (!stopping) {
      try (Socket socket = new Socket()) {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        while (!stopping) {
          Long dueNanos = due.poll(50, TimeUnit.MILLISECONDS);
          if (dueNanos == null) {
            continue;
          }
          String key = String.format("%07d", random.nextInt(keys));
          out.write(requestHead);
          out.write(key.getBytes(StandardCharsets.US_ASCII));
          out.write(requestTail);
          out.flush();
          int status = readResponse(in, buffer);
          long latency = System.nanoTime() - dueNanos;
          if (dueNanos >= measureFromNanos) {
            latencies.recordValue(Math.min(latency, HIGHEST_TRACKABLE_NANOS));
            if (status == 200) {
              ok.incrementAndGet();
            } else if (status == 404) {
              notFound.incrementAndGet();
            } else {
              failed.incrementAndGet();
            }
          }
        }
      } catch (IOException e) {
        failed.incrementAndGet();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** User plus system CPU ticks of the server process so far, or -1 without a pid. */
  private long serverCpuTicks() {
    if (serverPid.isEmpty()) {
      return -1;
    }
    try {
      String stat =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc", serverPid, "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Reads one response (status line, headers, Content-Length body); returns the status. */
  private static int readResponse(InputStream in, byte[] buffer) throws IOException {
    String statusLine = readLine(in);
    int status = Integer.parseInt(statusLine.substring(9, 12));
    int contentLength = 0;
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("content-length")) {
        contentLength = Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    for (int left = contentLength; left > 0; ) {
      int n = in.read(buffer, 0, Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("connection closed mid-body");
      }
      left -= n;
    }
    return status;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  private void report(
      int rate, int connections, int seconds, long scheduled, long measuredScheduled) {
    long answered = ok.get() + notFound.get();
    System.out.printf(
        "RESULT view lookups: target %d/s over %d connections for %d s: %d due, %d answered"
            + " (%d found, %d not found), %d failed; achieved %.0f/s;"
            + " latency from due time ms p50 %.3f p99 %.3f p99.9 %.3f max %.3f%n",
        rate,
        connections,
        seconds,
        measuredScheduled,
        answered,
        ok.get(),
        notFound.get(),
        failed.get(),
        answered / (double) seconds,
        latencies.getValueAtPercentile(50) / 1e6,
        latencies.getValueAtPercentile(99) / 1e6,
        latencies.getValueAtPercentile(99.9) / 1e6,
        latencies.getMaxValue() / 1e6);
    System.out.println("(requests scheduled including warm-up: " + scheduled + ")");
    if (serverCpuTicksAtStart >= 0 && serverCpuTicksAtEnd >= 0) {
      double cpuSeconds =
          (serverCpuTicksAtEnd - serverCpuTicksAtStart) / (double) clockTicksPerSecond;
      System.out.printf(
          "RESULT server CPU during the measured seconds: %.1f s, %.1f µs per answered lookup%n",
          cpuSeconds, cpuSeconds * 1e6 / Math.max(1, answered));
    }
  }
}
