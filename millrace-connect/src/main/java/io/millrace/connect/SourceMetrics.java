package io.millrace.connect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A source's counters in the injected Micrometer registry, all tagged {@code source=NAME}:
 *
 * <ul>
 *   <li>{@code millrace.source.records} records written to the topic
 *   <li>{@code millrace.source.duplicates} items skipped because their id was seen
 *   <li>{@code millrace.source.pages} pages fetched
 *   <li>{@code millrace.source.failures} failed fetches and writes, tagged {@code reason}
 *   <li>{@code millrace.source.backpressured} writes refused by backpressure (the source waited)
 * </ul>
 *
 * Thread-safe (Micrometer counters are).
 */
public final class SourceMetrics {

  private final MeterRegistry registry;
  private final String sourceName;
  final Counter records;
  final Counter duplicates;
  final Counter pages;
  final Counter backpressured;

  SourceMetrics(MeterRegistry registry, String sourceName) {
    this.registry = registry;
    this.sourceName = sourceName;
    this.records = registry.counter("millrace.source.records", "source", sourceName);
    this.duplicates = registry.counter("millrace.source.duplicates", "source", sourceName);
    this.pages = registry.counter("millrace.source.pages", "source", sourceName);
    this.backpressured = registry.counter("millrace.source.backpressured", "source", sourceName);
  }

  void failure(String reason) {
    registry
        .counter("millrace.source.failures", "source", sourceName, "reason", reason)
        .increment();
  }
}
