package io.millrace.connect.http;

import io.millrace.connect.ConfigProblem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * How an HTTP polling source authenticates: nothing, a bearer token, or HTTP basic. Secrets are
 * never printed ({@link #toString} masks them).
 */
public record HttpAuth(Type type, String token, String username, String password) {

  public static final HttpAuth NONE = new HttpAuth(Type.NONE, null, null, null);

  /** The authentication scheme. */
  public enum Type {
    /** No Authorization header. */
    NONE,
    /** {@code Authorization: Bearer TOKEN}. */
    BEARER,
    /** {@code Authorization: Basic base64(USERNAME:PASSWORD)}. */
    BASIC
  }

  public static HttpAuth bearer(String token) {
    return new HttpAuth(Type.BEARER, token, null, null);
  }

  public static HttpAuth basic(String username, String password) {
    return new HttpAuth(Type.BASIC, null, username, password);
  }

  void validate(List<ConfigProblem> problems) {
    if (type == null) {
      problems.add(new ConfigProblem("auth.type", "must be none, bearer or basic"));
    } else if (type == Type.BEARER && (token == null || token.isBlank())) {
      problems.add(new ConfigProblem("auth.token", "must be set for bearer authentication"));
    } else if (type == Type.BASIC && (username == null || username.contains(":"))) {
      problems.add(
          new ConfigProblem("auth.username", "must be set, without ':', for basic authentication"));
    } else if (type == Type.BASIC && password == null) {
      problems.add(new ConfigProblem("auth.password", "must be set for basic authentication"));
    }
  }

  /** The Authorization header value, or null for none. */
  String headerValue() {
    return switch (type) {
      case NONE -> null;
      case BEARER -> "Bearer " + token;
      case BASIC ->
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    };
  }

  @Override
  public String toString() {
    return "HttpAuth[" + type + (type == Type.BASIC ? ", username=" + username : "") + ", ***]";
  }
}
