package io.millrace.connect.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.SourceScheduler;
import io.millrace.connect.http.HttpAuth;
import io.millrace.connect.http.HttpPollingSource;
import io.millrace.connect.http.HttpPollingSourceConfig;
import io.millrace.connect.http.Pagination;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The process the kill tests kill with {@code kill -9}: opens a log on {@code args[0]}, creates
 * topic "events" (3 partitions, group commit every 30 ms) if needed, and runs an HTTP polling
 * source named "feed" against the cursor feed at {@code args[1]} until it is killed. Records have
 * no key, so each page is one append to one partition.
 */
public final class SourceCrashChild {

  private SourceCrashChild() {}

  public static HttpPollingSourceConfig config(URI url) {
    return new HttpPollingSourceConfig(
        "feed",
        "events",
        url,
        5,
        Map.of(),
        HttpAuth.NONE,
        "/items",
        "/id",
        null,
        Pagination.cursor("/next", "after"),
        false,
        2_000,
        1_000,
        1 << 20,
        1_000,
        new RetryPolicy(5, 5, 50));
  }

  public static io.millrace.connect.jdbc.JdbcPollingSourceConfig jdbcConfig(
      String jdbcUrl, String table) {
    return new io.millrace.connect.jdbc.JdbcPollingSourceConfig(
        "rows",
        "events",
        jdbcUrl,
        "postgres",
        "",
        "SELECT id, name, updated_at FROM " + table,
        "updated_at",
        "id",
        null,
        3,
        5,
        10_000,
        new RetryPolicy(5, 5, 50));
  }

  public static void main(String[] args) throws Exception {
    Log log = Log.open(LogOptions.defaults(Path.of(args[0])));
    if (log.describeTopic("events").isEmpty()) {
      // A long group-commit interval holds each page between its append and its durable
      // acknowledgement (when the position is stored) for ~30 ms: most kills land in that window.
      log.createTopic(
          "events",
          3,
          Map.of(
              io.millrace.log.TopicConfig.FLUSH_POLICY,
              "group-commit",
              io.millrace.log.TopicConfig.FLUSH_INTERVAL_MS,
              "30"));
    }
    SourceScheduler scheduler =
        new SourceScheduler(
            log,
            new io.millrace.log.write.TopicWriter(
                log, io.millrace.log.write.WriterOptions.DEFAULTS),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5));
    if (args[1].startsWith("jdbc:")) {
      var config = jdbcConfig(args[1], args[2]);
      scheduler.start(
          new io.millrace.connect.jdbc.JdbcPollingSource(config, new ObjectMapper()),
          config.settings());
    } else {
      HttpPollingSourceConfig config = config(URI.create(args[1]));
      scheduler.start(new HttpPollingSource(config, new ObjectMapper()), config.settings());
    }
    System.out.println("READY ;");
    System.out.flush();
    Thread.currentThread().join(); // until killed
  }
}
