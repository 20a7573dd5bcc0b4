package io.millrace.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.common.RetryPolicy;
import io.millrace.connect.http.HttpAuth;
import io.millrace.connect.http.HttpPollingSourceConfig;
import io.millrace.connect.http.Pagination;
import io.millrace.connect.jdbc.JdbcPollingSourceConfig;
import java.io.StringReader;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code sources:} section of millrace.yaml: binding every setting, and every error. */
class SourcesConfigTest {

  private static final Map<String, String> ENV =
      Map.of("API_TOKEN", "s3cret", "DB_PASSWORD", "pw", "INTERVAL", "2500");

  private final ServerConfigReader reader = new ServerConfigReader(ENV::get);

  private List<SourceDefinition> sources(String yaml) {
    return reader
        .read("millrace.yaml", new StringReader(yaml), CommandLineOverrides.NONE)
        .sources();
  }

  private String errorOf(String yaml) {
    try {
      reader.read("millrace.yaml", new StringReader(yaml), CommandLineOverrides.NONE);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  @Test
  void shouldBindEveryHttpSetting() {
    List<SourceDefinition> sources =
        sources(
            """
            sources:
              orders_feed:
                type: http
                topic: orders
                url: https://api.example.com/orders?status=open
                interval_ms: ${INTERVAL}
                headers:
                  Accept: application/json
                  X-Tenant: "42"
                auth: {type: bearer, token: "${API_TOKEN}"}
                items_pointer: /items
                id_pointer: /id
                key_pointer: /customer/id
                pagination: {type: cursor, pointer: /next_cursor, parameter: after}
                conditional: false
                request_timeout_ms: 5000
                max_items_per_page: 500
                max_response_bytes: 1048576
                max_recent_ids: 2000
                retry: {max_attempts: 3, initial_delay_ms: 100, max_delay_ms: 5000}
            """);

    assertThat(sources)
        .containsExactly(
            new SourceDefinition.Http(
                new HttpPollingSourceConfig(
                    "orders_feed",
                    "orders",
                    URI.create("https://api.example.com/orders?status=open"),
                    2500,
                    Map.of("Accept", "application/json", "X-Tenant", "42"),
                    HttpAuth.bearer("s3cret"),
                    "/items",
                    "/id",
                    "/customer/id",
                    Pagination.cursor("/next_cursor", "after"),
                    false,
                    5000,
                    500,
                    1048576,
                    2000,
                    new RetryPolicy(3, 100, 5000))));
  }

  @Test
  void shouldGiveAnHttpSourceTheRecordsDefaults() {
    SourceDefinition source =
        sources(
                """
                sources:
                  feed:
                    type: http
                    topic: events
                    url: http://localhost:9000/feed
                    items_pointer: ""
                  paged:
                    type: http
                    topic: events
                    url: http://localhost:9000/paged
                    items_pointer: /data
                    auth: {type: basic, username: reader, password: ""}
                    pagination: {type: next_link, pointer: /links/next}
                """)
            .getFirst();

    assertThat(source)
        .isEqualTo(
            new SourceDefinition.Http(
                HttpPollingSourceConfig.of(
                    "feed", "events", URI.create("http://localhost:9000/feed"), "")));
    HttpPollingSourceConfig paged =
        ((SourceDefinition.Http)
                sources(
                        """
                        sources:
                          paged:
                            type: http
                            topic: events
                            url: http://localhost:9000/paged
                            items_pointer: /data
                            auth: {type: basic, username: reader, password: ""}
                            pagination: {type: next_link, pointer: /links/next}
                        """)
                    .getFirst())
            .config();
    assertThat(paged.auth()).isEqualTo(HttpAuth.basic("reader", ""));
    assertThat(paged.pagination()).isEqualTo(Pagination.nextLink("/links/next"));
  }

  @Test
  void shouldBindEveryJdbcSettingAndKeepFileOrder() {
    List<SourceDefinition> sources =
        sources(
            """
            sources:
              customers:
                type: jdbc
                topic: customers
                url: jdbc:postgresql://db.example.com:5432/shop
                user: millrace
                password: ${DB_PASSWORD}
                query: SELECT id, name, updated_at FROM customers
                cursor_column: updated_at
                tie_breaker_column: id
                key_column: id
                batch_size: 200
                interval_ms: 1000
                query_timeout_ms: 60000
                retry:
                  max_attempts: 10
              invoices:
                type: jdbc
                topic: invoices
                url: jdbc:postgresql://db.example.com:5432/shop
                user: millrace
                query: select * from invoices
                cursor_column: id
                tie_breaker_column: id
            """);

    assertThat(sources)
        .containsExactly(
            new SourceDefinition.Jdbc(
                new JdbcPollingSourceConfig(
                    "customers",
                    "customers",
                    "jdbc:postgresql://db.example.com:5432/shop",
                    "millrace",
                    "pw",
                    "SELECT id, name, updated_at FROM customers",
                    "updated_at",
                    "id",
                    "id",
                    200,
                    1000,
                    60000,
                    new RetryPolicy(10, 200, 30_000))),
            new SourceDefinition.Jdbc(
                new JdbcPollingSourceConfig(
                    "invoices",
                    "invoices",
                    "jdbc:postgresql://db.example.com:5432/shop",
                    "millrace",
                    null,
                    "select * from invoices",
                    "id",
                    "id",
                    null,
                    1000,
                    10_000,
                    30_000,
                    RetryPolicy.DEFAULTS)));
  }

  /** The sources example in docs/configuration.md is valid. */
  @Test
  void shouldAcceptTheDocumentedSourcesExample() throws Exception {
    String page =
        java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "configuration.md"));
    int start = page.indexOf("```yaml\nsources:\n") + "```yaml\n".length();
    String example = page.substring(start, page.indexOf("```", start));

    List<SourceDefinition> sources = sources(example);

    assertThat(sources)
        .extracting(SourceDefinition::name)
        .containsExactly("orders_feed", "customers");
    HttpPollingSourceConfig http = ((SourceDefinition.Http) sources.get(0)).config();
    assertThat(http.auth()).isEqualTo(HttpAuth.bearer("s3cret"));
    assertThat(http.pagination()).isEqualTo(Pagination.nextLink("/next"));
    JdbcPollingSourceConfig jdbc = ((SourceDefinition.Jdbc) sources.get(1)).config();
    assertThat(jdbc.password()).isEqualTo("pw");
    assertThat(jdbc.cursorColumn()).isEqualTo("updated_at");
  }

  @Test
  void whenNoSourcesOrAnEmptySection_thenNone() {
    assertThat(sources("")).isEmpty();
    assertThat(sources("sources:\n")).isEmpty();
    assertThat(sources("sources: {}\n")).isEmpty();
  }

  // ------------------------------------------------------------------------ golden error messages

  private static final String HTTP_HEAD =
      """
      sources:
        feed:
          type: http
          topic: events
          url: http://localhost:9000/feed
          items_pointer: /items
      """;

  @Test
  void shouldRejectSourcesThatAreNotAMappingByName() {
    assertThat(errorOf("sources:\n  - type: http\n"))
        .isEqualTo(
            "millrace.yaml:2:3: sources: must be a mapping from source name to its settings"
                + " (orders: {type: http, ...}), was a list");
    assertThat(errorOf("sources:\n  feed: http\n"))
        .isEqualTo(
            "millrace.yaml:2:9: sources.feed: must be a mapping of the source's settings (type:"
                + " http, jdbc or cdc, ...), was \"http\"");
  }

  @Test
  void shouldRejectADuplicateSourceName() {
    assertThat(errorOf(HTTP_HEAD + "  feed:\n    type: jdbc\n"))
        .isEqualTo("millrace.yaml:7:3: sources.feed: set twice (first at line 2)");
  }

  @Test
  void shouldRejectAMissingOrUnknownType() {
    assertThat(errorOf("sources:\n  feed:\n    topic: events\n"))
        .isEqualTo("millrace.yaml:2:3: sources.feed.type: must be set: http, jdbc or cdc");
    assertThat(errorOf("sources:\n  feed:\n    type: kafka\n    topic: events\n"))
        .isEqualTo(
            "millrace.yaml:3:11: sources.feed.type: must be http, jdbc or cdc, was \"kafka\"");
  }

  @Test
  void shouldRejectAnUnknownSettingWithAHint() {
    assertThat(errorOf(HTTP_HEAD + "    intervall_ms: 1000\n"))
        .isEqualTo(
            "millrace.yaml:7:5: sources.feed.intervall_ms: unknown setting in sources.feed; did you"
                + " mean interval_ms?");
    assertThat(errorOf(HTTP_HEAD + "    retry: {max_attempt: 3}\n"))
        .isEqualTo(
            "millrace.yaml:7:13: sources.feed.retry.max_attempt: unknown setting in"
                + " sources.feed.retry; did you mean max_attempts?");
    assertThat(errorOf(HTTP_HEAD + "    auth: {type: bearer, password: x}\n"))
        .contains("sources.feed.auth.password: unknown setting in sources.feed.auth");
  }

  @Test
  void shouldRejectAMissingRequiredSettingAtTheSourceName() {
    assertThat(errorOf("sources:\n  feed:\n    type: http\n    topic: events\n"))
        .isEqualTo(
            "millrace.yaml:2:3: sources.feed.url: is required; it must be an absolute http:// or"
                + " https:// URL\n"
                + "millrace.yaml:2:3: sources.feed.items_pointer: is required; it must be a JSON"
                + " pointer such as /items");
  }

  @Test
  void shouldPointAtTheValueThatBreaksARecordRule() {
    assertThat(errorOf(HTTP_HEAD + "    interval_ms: 0\n"))
        .isEqualTo(
            "millrace.yaml:7:18: sources.feed.interval_ms: must be between 1 and 86400000 (one"
                + " day)");
    assertThat(errorOf(HTTP_HEAD + "    retry: {initial_delay_ms: 500, max_delay_ms: 100}\n"))
        .isEqualTo(
            "millrace.yaml:7:50: sources.feed.retry.max_delay_ms: must be at least"
                + " initial_delay_ms and at most 3600000 (1 h)");
    assertThat(errorOf(HTTP_HEAD + "    pagination: {type: next_link, pointer: next}\n"))
        .startsWith(
            "millrace.yaml:7:44: sources.feed.pagination.pointer: must be a JSON pointer ('' or"
                + " starting with '/')");
    assertThat(errorOf(HTTP_HEAD + "    pagination: {type: cursor, pointer: /c}\n"))
        .isEqualTo(
            "millrace.yaml:7:17: sources.feed.pagination.parameter: is required; it must be a"
                + " query parameter name of 1 to 100 URL-safe characters");
    assertThat(errorOf(HTTP_HEAD + "    auth: {type: bearer}\n"))
        .isEqualTo(
            "millrace.yaml:7:11: sources.feed.auth.token: is required; it must be set for bearer"
                + " authentication");
  }

  @Test
  void shouldRejectBadHeadersAtTheHeader() {
    assertThat(errorOf(HTTP_HEAD + "    headers:\n      Authorization: Bearer x\n"))
        .isEqualTo(
            "millrace.yaml:8:7: sources.feed.headers.Authorization: is set by the source itself"
                + " (use auth or conditional)");
    assertThat(errorOf(HTTP_HEAD + "    headers:\n      \"bad header\": x\n"))
        .isEqualTo(
            "millrace.yaml:8:7: sources.feed.headers.bad header: 'bad header' is not a header"
                + " name");
  }

  @Test
  void shouldRejectAWrongTypeOnceAtItsValue() {
    assertThat(errorOf(HTTP_HEAD + "    interval_ms: soon\n"))
        .isEqualTo(
            "millrace.yaml:7:18: sources.feed.interval_ms: must be an integer, was \"soon\"");
    assertThat(
            errorOf(
                "sources:\n  feed:\n    type: http\n    topic: events\n"
                    + "    url: ftp://example.com/\n    items_pointer: /items\n"))
        .isEqualTo(
            "millrace.yaml:5:10: sources.feed.url: must be an absolute http:// or https:// URL");
    assertThat(errorOf(HTTP_HEAD + "    pagination: {type: pages}\n"))
        .isEqualTo(
            "millrace.yaml:7:24: sources.feed.pagination.type: must be none, next_link or cursor,"
                + " was \"pages\"");
  }

  @Test
  void shouldRejectABadSourceName() {
    assertThat(
            errorOf(
                "sources:\n  \"my feed\":\n    type: http\n    topic: events\n"
                    + "    url: http://h/\n    items_pointer: /items\n"))
        .isEqualTo(
            "millrace.yaml:2:3: sources.my feed: must be 1 to 200 of the characters a-z A-Z 0-9"
                + " . _ - (got my feed)");
  }

  @Test
  void shouldRejectEveryJdbcRuleAtItsValue() {
    assertThat(
            errorOf(
                """
                sources:
                  customers:
                    type: jdbc
                    topic: customers
                    url: jdbc:mysql://db/shop
                    query: DELETE FROM customers
                    cursor_column: updated-at
                    tie_breaker_column: id
                    batch_size: 0
                    query_timeout_ms: 10
                """))
        .isEqualTo(
            String.join(
                "\n",
                "millrace.yaml:2:3: sources.customers.user: is required; it must be set",
                "millrace.yaml:5:10: sources.customers.url: must be a PostgreSQL JDBC URL"
                    + " (jdbc:postgresql://...)",
                "millrace.yaml:6:12: sources.customers.query: must be a SELECT statement",
                "millrace.yaml:7:20: sources.customers.cursor_column: must be a column name: a"
                    + " letter or _, then letters, digits or _",
                "millrace.yaml:9:17: sources.customers.batch_size: must be between 1 and 100000",
                "millrace.yaml:10:23: sources.customers.query_timeout_ms: must be between 1000"
                    + " and 3600000"));
  }
}
