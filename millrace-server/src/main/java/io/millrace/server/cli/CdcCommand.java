package io.millrace.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace cdc status}: the CDC sources of a running server, from its {@code /sources}. */
@Command(
    name = "cdc",
    mixinStandardHelpOptions = true,
    description = "Change data capture sources of a running server.",
    subcommands = {CdcCommand.Status.class})
final class CdcCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Show each CDC source's state, stored position (LSN), events written and replication"
              + " lag (WAL bytes the slot keeps; commit-to-topic time of the last change).")
  static final class Status implements Runnable {

    @Option(
        names = "--http",
        defaultValue = "127.0.0.1:8080",
        description = "The server's HTTP API, HOST:PORT (default: ${DEFAULT-VALUE}).")
    String http;

    @Option(names = "--json", description = "Print the server's JSON as it is.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      String body = fetch();
      PrintWriter out = spec.commandLine().getOut();
      JsonNode sources;
      try {
        sources = new ObjectMapper().readTree(body);
      } catch (IOException e) {
        throw new CliException("the server's /sources answer is not JSON: " + e.getMessage());
      }
      if (json) {
        out.println(body);
        out.flush();
        return;
      }
      out.printf(
          "%-24s %-10s %-14s %12s %12s %10s  %s%n",
          "SOURCE", "STATE", "LSN", "EVENTS", "LAG_BYTES", "LAG_MS", "ERROR");
      int shown = 0;
      for (JsonNode source : sources) {
        if (!"cdc".equals(source.path("type").asText())) {
          continue;
        }
        shown++;
        JsonNode position = source.path("position");
        out.printf(
            "%-24s %-10s %-14s %12s %12s %10s  %s%n",
            source.path("name").asText(),
            source.path("state").asText() + (source.path("snapshotting").asBoolean() ? "*" : ""),
            position.has("lsn") ? position.path("lsn").asText() : "-",
            text(source.path("events_written")),
            text(source.path("lag_bytes")),
            text(source.path("lag_ms")),
            source.path("error").isTextual() ? source.path("error").asText() : "");
      }
      if (shown == 0) {
        out.println("(no cdc sources in this server's millrace.yaml)");
      }
      out.flush();
    }

    private static String text(JsonNode value) {
      return value.isMissingNode() || value.isNull() || value.asLong() < 0 ? "-" : value.asText();
    }

    private String fetch() {
      URI uri = URI.create("http://" + http + "/sources");
      try (HttpClient client =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new CliException(uri + " answered " + response.statusCode());
        }
        return response.body();
      } catch (IOException e) {
        throw new CliException("cannot reach the server at " + uri + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted");
      }
    }
  }
}
