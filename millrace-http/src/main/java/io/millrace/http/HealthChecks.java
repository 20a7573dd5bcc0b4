package io.millrace.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What {@code GET /health} checks: named checks registered by the server at wiring time, and
 * whether the server is stopping. Thread-safe: checks are fixed before the server starts; {@link
 * #markStopping()} may be called from any thread.
 */
public final class HealthChecks {

  /** Overall state, as {@code GET /health} reports it. */
  public enum Status {
    /** Every check passes: 200. */
    UP,
    /** A check fails: 503. */
    DOWN,
    /** Shutdown has begun: 503, so load balancers stop sending work. */
    STOPPING
  }

  /** One named check; {@code test} must not block. */
  private record Check(String name, BooleanSupplier test) {}

  /** The report: overall status and each check by name ("up" or "down"). */
  public record Report(Status status, Map<String, String> checks) {}

  private final List<Check> checks = new ArrayList<>();
  private volatile boolean stopping;

  /** Adds a check; call before the HTTP server starts. */
  public synchronized HealthChecks add(String name, BooleanSupplier test) {
    checks.add(new Check(name, test));
    return this;
  }

  /** From now on health reports {@link Status#STOPPING}. */
  public void markStopping() {
    stopping = true;
  }

  public synchronized Report run() {
    Map<String, String> results = new LinkedHashMap<>();
    boolean allUp = true;
    for (Check check : checks) {
      boolean up = check.test().getAsBoolean();
      results.put(check.name(), up ? "up" : "down");
      allUp &= up;
    }
    Status status = stopping ? Status.STOPPING : allUp ? Status.UP : Status.DOWN;
    return new Report(status, results);
  }
}
