package io.millrace.connect.http;

import com.fasterxml.jackson.core.JsonPointer;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.ConfigProblem;
import io.millrace.connect.SourceSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of an {@link HttpPollingSource}, immutable. Component names are the setting names a
 * configuration file will use; {@link #validate()} names the setting and the rule of every problem.
 *
 * @param name the source's unique name (keys its position)
 * @param topic the topic written to
 * @param url the URL polled (http or https)
 * @param intervalMs the wait between polls once caught up
 * @param headers extra request headers (not Authorization: use {@code auth})
 * @param auth none, bearer or basic
 * @param itemsPointer JSON pointer to the array of items in the response ("" = the body is the
 *     array)
 * @param idPointer JSON pointer, inside an item, to its id for de-duplication; null = none
 * @param keyPointer JSON pointer, inside an item, to the record key; null = no key
 * @param pagination how the next page is found
 * @param conditional send If-None-Match / If-Modified-Since with the first request of a poll
 * @param requestTimeoutMs timeout of one request (connect and response)
 * @param maxItemsPerPage a page with more items is refused (not retried)
 * @param maxResponseBytes a response body larger than this is refused
 * @param maxRecentIds how many ids are remembered for de-duplication
 * @param retry retries of failed requests
 */
public record HttpPollingSourceConfig(
    String name,
    String topic,
    URI url,
    long intervalMs,
    Map<String, String> headers,
    HttpAuth auth,
    String itemsPointer,
    String idPointer,
    String keyPointer,
    Pagination pagination,
    boolean conditional,
    long requestTimeoutMs,
    int maxItemsPerPage,
    int maxResponseBytes,
    int maxRecentIds,
    RetryPolicy retry) {

  private static final Set<String> RESERVED_HEADERS =
      Set.of("authorization", "if-none-match", "if-modified-since", "host", "content-length");

  public HttpPollingSourceConfig {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  /** A config with the defaults for everything but the essentials. */
  public static HttpPollingSourceConfig of(
      String name, String topic, URI url, String itemsPointer) {
    return new HttpPollingSourceConfig(
        name,
        topic,
        url,
        10_000,
        Map.of(),
        HttpAuth.NONE,
        itemsPointer,
        null,
        null,
        Pagination.NONE,
        true,
        30_000,
        10_000,
        16 << 20,
        10_000,
        RetryPolicy.DEFAULTS);
  }

  /** Every problem of this configuration; empty when it is valid. */
  public List<ConfigProblem> validate() {
    List<ConfigProblem> problems = new ArrayList<>();
    settings().validate(problems);
    if (url == null
        || url.getHost() == null
        || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      problems.add(new ConfigProblem("url", "must be an absolute http:// or https:// URL"));
    }
    headers.forEach(
        (header, value) -> {
          if (header == null || !header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            problems.add(new ConfigProblem("headers", "'" + header + "' is not a header name"));
          } else if (RESERVED_HEADERS.contains(header.toLowerCase(java.util.Locale.ROOT))) {
            problems.add(
                new ConfigProblem(
                    "headers." + header, "is set by the source itself (use auth or conditional)"));
          } else if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            problems.add(
                new ConfigProblem("headers." + header, "must be a value without line breaks"));
          }
        });
    if (auth == null) {
      problems.add(new ConfigProblem("auth", "must be set (none, bearer or basic)"));
    } else {
      auth.validate(problems);
    }
    checkPointer("itemsPointer", itemsPointer, problems);
    if (idPointer != null) {
      checkPointer("idPointer", idPointer, problems);
    }
    if (keyPointer != null) {
      checkPointer("keyPointer", keyPointer, problems);
    }
    if (pagination == null) {
      problems.add(new ConfigProblem("pagination", "must be set"));
    } else {
      pagination.validate(problems);
    }
    if (requestTimeoutMs < 1 || requestTimeoutMs > 600_000) {
      problems.add(new ConfigProblem("requestTimeoutMs", "must be between 1 and 600000"));
    }
    if (maxItemsPerPage < 1 || maxItemsPerPage > 100_000) {
      problems.add(new ConfigProblem("maxItemsPerPage", "must be between 1 and 100000"));
    }
    if (maxResponseBytes < 1 || maxResponseBytes > 256 << 20) {
      problems.add(new ConfigProblem("maxResponseBytes", "must be between 1 and 268435456"));
    }
    return problems;
  }

  /** The settings every polling source has. */
  public SourceSettings settings() {
    return new SourceSettings(name, topic, intervalMs, retry, maxRecentIds);
  }

  static void checkPointer(String setting, String pointer, List<ConfigProblem> problems) {
    if (pointer == null) {
      problems.add(new ConfigProblem(setting, "must be a JSON pointer such as /items"));
      return;
    }
    try {
      JsonPointer.compile(pointer);
    } catch (IllegalArgumentException e) {
      problems.add(
          new ConfigProblem(
              setting, "must be a JSON pointer ('' or starting with '/'): " + e.getMessage()));
    }
  }
}
