package io.millrace.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code millrace view get|scan}: queries views of a running server over its HTTP API ({@code GET
 * /views/...}), printing rows as JSON lines.
 */
@Command(
    name = "view",
    mixinStandardHelpOptions = true,
    description = "Query the views of a running server over HTTP.",
    subcommands = {ViewCommand.Get.class, ViewCommand.Scan.class})
final class ViewCommand implements Runnable {

  /** Rows per page a scan asks for (the API's largest page). */
  static final int PAGE_ROWS = 1_000;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** GETs {@code path}; an answer other than 200 becomes a CLI error with the API's message. */
  static JsonNode get(HttpApiClient api, String path) {
    HttpApiClient.Reply reply = api.get(path);
    if (!reply.isOk()) {
      throw new CliException(reply.message());
    }
    return reply.body();
  }

  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = {
        "Print the row of one key: {\"key\",\"value\",\"partition\",\"offset\",\"timestamp\"}.",
        "Exit code 1 if the view or the key does not exist."
      })
  static final class Get implements Runnable {
    @picocli.CommandLine.Mixin HttpApiClient api;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VIEW")
    String view;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Option(
        names = "--min-offset",
        description =
            "Wait until the view has applied this changelog offset of the key's partition.")
    Long minOffset;

    @Override
    public void run() {
      String path = "/views/" + encode(view) + "/" + encode(key);
      if (minOffset != null) {
        path += "?min_offset=" + minOffset;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(get(api, path).toString());
      out.flush();
    }
  }

  @Command(
      name = "scan",
      mixinStandardHelpOptions = true,
      description = {
        "Print rows in key order, one JSON object per line, following every page.",
        "--from is inclusive, --to exclusive; keys compare as UTF-8 bytes."
      })
  static final class Scan implements Runnable {
    @picocli.CommandLine.Mixin HttpApiClient api;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VIEW")
    String view;

    @Option(names = "--prefix", description = "Only keys starting with this.")
    String prefix;

    @Option(names = "--from", description = "Only keys at or after this.")
    String from;

    @Option(names = "--to", description = "Only keys before this.")
    String to;

    @Option(names = "--limit", description = "Print at most this many rows (default: all).")
    Long limit;

    @Override
    public void run() {
      if (limit != null && limit < 1) {
        throw new CliException("--limit must be at least 1");
      }
      Map<String, String> parameters = new LinkedHashMap<>();
      putIfPresent(parameters, "prefix", prefix);
      putIfPresent(parameters, "from", from);
      putIfPresent(parameters, "to", to);
      PrintWriter out = spec.commandLine().getOut();
      long printed = 0;
      String cursor = null;
      do {
        long wanted = limit == null ? PAGE_ROWS : Math.min(PAGE_ROWS, limit - printed);
        StringBuilder path = new StringBuilder("/views/").append(encode(view));
        path.append("?limit=").append(wanted);
        parameters.forEach((k, v) -> path.append('&').append(k).append('=').append(encode(v)));
        if (cursor != null) {
          path.append("&cursor=").append(cursor);
        }
        JsonNode page = get(api, path.toString());
        for (JsonNode row : page.get("rows")) {
          out.println(row.toString());
          printed++;
        }
        JsonNode next = page.get("next_cursor");
        cursor = next == null || next.isNull() ? null : next.asText();
      } while (cursor != null && (limit == null || printed < limit));
      out.flush();
    }

    private static void putIfPresent(Map<String, String> parameters, String name, String value) {
      if (value != null) {
        parameters.put(name, value);
      }
    }
  }
}
