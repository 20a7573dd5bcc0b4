package io.millrace.http;

import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /health}: 200 with {@code {"status":"up","checks":{...}}} when every check passes, 503
 * otherwise (a check down, or the server stopping). Thread-safe.
 */
public final class HealthApi {

  private final HealthChecks checks;

  public HealthApi(HealthChecks checks) {
    this.checks = checks;
  }

  public void register(Router.Builder routes) {
    routes.get("/health", request -> health());
  }

  /** The response body. */
  public record HealthBody(String status, Map<String, String> checks) {}

  private ApiResponse health() {
    HealthChecks.Report report = checks.run();
    int status = report.status() == HealthChecks.Status.UP ? 200 : 503;
    return ApiResponse.json(
        status, new HealthBody(report.status().name().toLowerCase(Locale.ROOT), report.checks()));
  }
}
