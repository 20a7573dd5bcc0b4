package io.millrace.pipeline.definition;

import java.util.Map;

/**
 * Records are sent to an HTTP endpoint (a webhook): one request per record, or one per batch with a
 * JSON array of the record values as the body.
 *
 * @param url an http or https URL
 * @param method POST or PUT
 * @param headers sent with every request (after Content-Type, which they may override)
 * @param auth null for none
 * @param timeoutMs how long one request may take, connection included
 */
public record HttpOutput(
    String name,
    String url,
    String method,
    Mode mode,
    Map<String, String> headers,
    Auth auth,
    long timeoutMs,
    SourcePosition position)
    implements Output.SinkOutput {

  public static final int MAX_HEADERS = 64;
  public static final long MAX_TIMEOUT_MS = 600_000;

  public HttpOutput {
    headers = Map.copyOf(headers);
  }

  /** What one request carries. */
  public enum Mode {
    /** One request per record; its body is the record value. */
    RECORD,
    /** One request per batch; its body is a JSON array of the record values. */
    BATCH
  }

  /** How requests authenticate. */
  public sealed interface Auth {
    /** {@code Authorization: Bearer TOKEN}. */
    record Bearer(String token) implements Auth {
      @Override
      public String toString() {
        return "Bearer[****]";
      }
    }

    /** {@code Authorization: Basic base64(user:password)}. */
    record Basic(String user, String password) implements Auth {
      @Override
      public String toString() {
        return "Basic[" + user + ", ****]";
      }
    }
  }
}
