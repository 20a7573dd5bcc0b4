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
}
