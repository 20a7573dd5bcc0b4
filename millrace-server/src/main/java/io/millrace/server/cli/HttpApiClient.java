package io.millrace.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The {@code --http HOST:PORT} option and a small client of Millrace's HTTP API for the commands
 * that manage a running server (pipelines, views, sources). Errors of the API come back as the
 * server's own message.
 */
final class HttpApiClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Option(
      names = "--http",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8080",
      description = "HTTP address of the running server (default: ${DEFAULT-VALUE}).")
  String address;

  /** A response: its status and JSON body (a missing node for an empty body). */
  record Reply(int status, JsonNode body) {
    boolean isOk() {
      return status / 100 == 2;
    }

    /** The API's error message, for printing. */
    String message() {
      JsonNode message = body.path("message");
      return message.isMissingNode() ? "HTTP " + status : message.asText();
    }
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  Reply delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE());
  }

  Reply post(String path, String contentType, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private Reply send(HttpRequest.Builder request) {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
      HttpResponse<byte[]> response =
          client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = response.body();
      JsonNode json = body.length == 0 ? JSON.missingNode() : JSON.readTree(body);
      return new Reply(response.statusCode(), json);
    } catch (IOException e) {
      throw new CliException("cannot reach Millrace's HTTP API at " + address + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  private URI uri(String path) {
    try {
      return URI.create("http://" + address + path);
    } catch (IllegalArgumentException e) {
      throw new CliException("--http must be HOST:PORT, was " + address);
    }
  }
}
