package io.millrace.kafka;

import io.millrace.kafka.handler.ApiHandler;
import io.millrace.kafka.network.RequestHandler;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes Kafka request frames and routes them to the {@link ApiHandler} of their API. This is the
 * protocol boundary: a request that fails is answered with its API's error response (never a silent
 * disconnect); only a frame whose header cannot be read closes the connection, since there is no
 * correlation id to answer with.
 */
public final class KafkaApis implements RequestHandler {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaApis.class);
  private static final ListenerName LISTENER =
      ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);

  private final Map<ApiKeys, ApiHandler> handlers;

  public KafkaApis(Map<ApiKeys, ApiHandler> handlers) {
    this.handlers = new EnumMap<>(handlers);
  }

  /** The APIs answered by a handler (advertised in ApiVersions). */
  public java.util.Set<ApiKeys> supportedApis() {
    return handlers.keySet();
  }

  @Override
  public Handling handle(ConnectionInfo connection, ByteBuffer payload) {
    RequestHeader header;
    try {
      header = RequestHeader.parse(payload);
    } catch (RuntimeException e) {
      return Handling.done(new Close("unreadable request header (" + e.getMessage() + ")"));
    }
    RequestContext context =
        new RequestContext(
            header,
            connection.id(),
            connection.address(),
            Optional.of(connection.port()),
            KafkaPrincipal.ANONYMOUS,
            LISTENER,
            SecurityProtocol.PLAINTEXT,
            ClientInformation.EMPTY,
            false);
    AbstractRequest request;
    try {
      RequestAndSize parsed = context.parseRequest(payload);
      request = parsed.request;
    } catch (RuntimeException e) {
      return Handling.done(
          new Close(
              "cannot parse "
                  + header.apiKey()
                  + " v"
                  + header.apiVersion()
                  + " from "
                  + header.clientId()
                  + ": "
                  + e.getMessage()));
    }
    ApiHandler handler = handlers.get(header.apiKey());
    if (handler == null) {
      return Handling.done(
          outcome(
              context,
              request.getErrorResponse(
                  new UnsupportedVersionException(
                      "Millrace does not implement " + header.apiKey()))));
    }
    CompletableFuture<AbstractResponse> response;
    try {
      response = handler.handle(context, request);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      response = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Outcome> outcome =
        response.handle(
            (answer, failure) -> {
              if (failure != null) {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                LOG.warn("{} from {} failed", header.apiKey(), header.clientId(), cause);
                return outcome(context, request.getErrorResponse(cause));
              }
              return answer == null ? new NoResponse() : outcome(context, request, answer);
            });
    return new Handling(outcome, handler.appliedOnReturn());
  }

  private static Outcome outcome(RequestContext context, AbstractResponse response) {
    return new Respond(context.buildResponseSend(response));
  }

  /**
   * Serializes the answer; if it cannot be written in the client's version (a field that version
   * lacks was set: a bug of ours), answers with the API's error response instead of closing.
   */
  private static Outcome outcome(
      RequestContext context, AbstractRequest request, AbstractResponse response) {
    try {
      return outcome(context, response);
    } catch (RuntimeException e) {
      LOG.error(
          "cannot write {} v{} response to {}",
          context.header.apiKey(),
          context.apiVersion(),
          context.clientId(),
          e);
      return outcome(context, request.getErrorResponse(e));
    }
  }
}
