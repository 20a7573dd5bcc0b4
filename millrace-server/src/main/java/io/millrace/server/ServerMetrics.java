package io.millrace.server;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;

/**
 * The server's one Micrometer registry, served as Prometheus text on {@code GET /metrics}. Built on
 * first use (the first source, or the first scrape), so a server that nobody scrapes and that has
 * no sources pays nothing for it at startup; the JVM meters (memory, GC, threads, classes, CPU,
 * uptime) are bound at the first scrape for the same reason.
 *
 * <p>Thread-safe: {@link #registry()} and {@link #scrape()} may be called from any thread; {@link
 * #close()} is idempotent.
 */
final class ServerMetrics implements AutoCloseable {

  /** The Prometheus text exposition format that {@link PrometheusMeterRegistry#scrape()} writes. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private PrometheusMeterRegistry registry;
  private JvmGcMetrics gcMetrics;
  private final java.util.List<Runnable> beforeScrape =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private boolean closed;

  /** The registry, built on the first call. */
  synchronized PrometheusMeterRegistry registry() {
    if (registry == null) {
      registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }
    return registry;
  }

  /** Runs {@code refresh} before every scrape (meters that follow components coming and going). */
  void beforeScrape(Runnable refresh) {
    beforeScrape.add(refresh);
  }

  /** Every meter in Prometheus text format (binding the JVM meters on the first call). */
  byte[] scrape() {
    beforeScrape.forEach(Runnable::run);
    PrometheusMeterRegistry meters;
    synchronized (this) {
      meters = registry();
      if (gcMetrics == null && !closed) {
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(meters);
      }
    }
    return meters.scrape().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    if (registry != null) {
      registry.close();
    }
  }
}
