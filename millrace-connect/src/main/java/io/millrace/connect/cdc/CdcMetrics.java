package io.millrace.connect.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A CDC source's meters in the injected Micrometer registry, all tagged {@code source=NAME}:
 *
 * <ul>
 *   <li>{@code millrace.source.records} change events (and tombstones) written to topics
 *   <li>{@code millrace.source.backpressured} writes refused by backpressure (the source waited,
 *       and so did the reading of the WAL)
 *   <li>{@code millrace.source.failures} failed writes, tagged {@code reason}
 *   <li>{@code millrace.cdc.lag.bytes} WAL bytes between the server's current position and the
 *       position the slot has confirmed (what the database keeps for this source); -1 before the
 *       first measurement
 *   <li>{@code millrace.cdc.lag.ms} commit-to-topic time of the last change written: when its batch
 *       was durable minus its transaction's commit time
 * </ul>
 *
 * Thread-safe.
 */
final class CdcMetrics {

  private final MeterRegistry registry;
  private final String sourceName;
  final Counter records;
  final Counter backpressured;
  final AtomicLong lagBytes = new AtomicLong(-1);
  final AtomicLong lagMs = new AtomicLong(-1);

  CdcMetrics(MeterRegistry registry, String sourceName) {
    this.registry = registry;
    this.sourceName = sourceName;
    this.records = registry.counter("millrace.source.records", "source", sourceName);
    this.backpressured = registry.counter("millrace.source.backpressured", "source", sourceName);
    Gauge.builder("millrace.cdc.lag.bytes", lagBytes, AtomicLong::get)
        .tag("source", sourceName)
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("millrace.cdc.lag.ms", lagMs, AtomicLong::get)
        .tag("source", sourceName)
        .baseUnit("milliseconds")
        .register(registry);
  }

  void failure(String reason) {
    registry
        .counter("millrace.source.failures", "source", sourceName, "reason", reason)
        .increment();
  }
}
