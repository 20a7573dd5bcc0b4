package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.connect.testing.PostgresServer;
import io.millrace.server.MillraceServer;
import io.millrace.server.config.CommandLineOverrides;
import io.millrace.server.config.ServerConfig;
import io.millrace.server.config.ServerConfigReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code type: cdc} source declared in millrace.yaml, run by the server against a real
 * PostgreSQL: its changes reach the topic, {@code GET /sources} and {@code millrace cdc status}
 * show its state, position and lag, and {@code /metrics} its counters.
 */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CdcStatusTest {

  private static PostgresServer postgres;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  @BeforeAll
  static void startPostgres() throws Exception {
    Path bin = PostgresServer.installedForTest();
    postgres = PostgresServer.startLogical(bin);
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void whenACdcSourceRunsInTheServer_thenSourcesAndCdcStatusShowItsPositionAndLag()
      throws Exception {
    try (Connection db = postgres.connect();
        Statement sql = db.createStatement()) {
      sql.execute("CREATE TABLE customers (id int PRIMARY KEY, email text, password text)");
      sql.execute("INSERT INTO customers VALUES (1, 'a@example.com', 'hunter2')");
      ServerConfig config =
          new ServerConfigReader(Map.<String, String>of()::get)
              .read(
                  "millrace.yaml",
                  new StringReader(
                      """
                      sources:
                        shop:
                          type: cdc
                          hostname: 127.0.0.1
                          port: %d
                          database: postgres
                          username: postgres
                          table_include_list: [public\\.customers]
                          column_exclude_list: [public\\.customers\\.password]
                          topic_pattern: "cdc.{table}"
                          snapshot_mode: initial
                          heartbeat_interval_ms: 1000
                          lag_probe_interval_ms: 200
                      """
                          .formatted(postgres.port())),
                  new CommandLineOverrides(dir.resolve("data"), 0, 0));
      MillraceServer server = MillraceServer.start(config);
      try {
        sql.execute("INSERT INTO customers VALUES (2, 'b@example.com', 'swordfish')");
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> get(server, "/metrics"),
                m -> m.contains("millrace_source_records_total{source=\"shop\"} 2.0"));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get(server, "/sources"),
                s -> s.contains("\"state\":\"STREAMING\"") && s.contains("\"lag_bytes\":"));
        String sources = get(server, "/sources");
        assertThat(sources).contains("\"name\":\"shop\"", "\"type\":\"cdc\"", "\"lsn\":");
        String records = get(server, "/topics/cdc.customers/records?partition=0");
        assertThat(records)
            .contains("\"op\":\"r\"", "a@example.com", "b@example.com")
            .as("an excluded column never enters the log")
            .doesNotContain("hunter2", "swordfish", "password");
        assertThat(get(server, "/metrics")).contains("millrace_cdc_lag_bytes{source=\"shop\"}");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
          exit = MillraceCli.execute("cdc", "status", "--http", "127.0.0.1:" + server.httpPort());
        } finally {
          System.setOut(originalOut);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("SOURCE", "LAG_BYTES", "shop", "STREAMING");
      } finally {
        server.close();
      }
    }
  }

  private String get(MillraceServer server, String path) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
