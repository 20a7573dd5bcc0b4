package io.millrace.kafka.network;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.network.Send;

/**
 * Turns one request frame into its response. Called on the connection's network thread; it must not
 * block for long: slow work completes the returned future later, from any thread.
 */
public interface RequestHandler {

  /** What to do once a request is handled. */
  sealed interface Outcome {}

  /** Send this response, then read the next request. */
  record Respond(Send response) implements Outcome {}

  /** Nothing to send (a Produce with acks=0); read the next request. */
  record NoResponse() implements Outcome {}

  /** Close the connection (a request that cannot be answered, like an unparsable header). */
  record Close(String reason) implements Outcome {}

  /**
   * A request taken by the handler.
   *
   * @param outcome completes when the answer is known
   * @param applied true when everything the request does that a later request of the same
   *     connection could observe is already done, and {@code outcome} only waits to answer (a
   *     Produce appended and waiting for its fsync). The connection may then read and handle its
   *     next requests before this one is answered; answers still go out in request order. False
   *     holds later requests back until this one completes, as a Kafka broker does for all.
   */
  record Handling(CompletableFuture<Outcome> outcome, boolean applied) {

    /** A request answered at once. */
    public static Handling done(Outcome outcome) {
      return new Handling(CompletableFuture.completedFuture(outcome), true);
    }
  }

  /**
   * Handles the frame {@code payload} (the bytes after the 4-byte size prefix).
   *
   * @param connection identifies the client for logs, quotas and group membership
   */
  Handling handle(ConnectionInfo connection, ByteBuffer payload);

  /** The client side of a connection. */
  record ConnectionInfo(String id, java.net.InetAddress address, int port) {}
}
