package io.millrace.kafka.handler;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Handles one Kafka API. Called on a network thread: quick work answers at once, anything that
 * waits (long polls, fsyncs) completes the future later.
 *
 * <p>A null response means "send nothing" (Produce with acks=0).
 */
public interface ApiHandler {
  CompletableFuture<AbstractResponse> handle(RequestContext context, AbstractRequest request);

  /**
   * True when {@link #handle} has done all of a request's work by the time it returns, so that a
   * response still pending only waits to be sent (Produce waiting for an fsync). The network layer
   * then handles the connection's next requests meanwhile. False (the default) when the pending
   * work could be affected by the requests behind it, as with a Fetch waiting for data.
   */
  default boolean appliedOnReturn() {
    return false;
  }
}
