package io.millrace.kafka.handler;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * ApiVersions: tells clients which APIs and versions Millrace answers. A request in a version we do
 * not know gets UNSUPPORTED_VERSION with the list, so the client can retry with one we do.
 *
 * <p>Produce is advertised from version 0 although versions 0 to 2 are gone (KIP-896), as Kafka 4
 * brokers do (KAFKA-18659): librdkafka (2.0.2 here; librdkafka issue 4956) only compresses with
 * gzip, snappy or lz4 when the broker lists Produce v0, and otherwise sends every batch
 * uncompressed, with nothing but a debug line to say so. Clients pick the highest version both
 * sides know, so none asks for v0 to v2.
 */
public final class ApiVersionsHandler implements ApiHandler {

  private final Set<ApiKeys> supported;

  public ApiVersionsHandler(Set<ApiKeys> supported) {
    this.supported = Set.copyOf(supported);
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    ApiVersionsRequest apiVersions = (ApiVersionsRequest) request;
    Errors error = Errors.NONE;
    if (apiVersions.hasUnsupportedRequestVersion()) {
      error = Errors.UNSUPPORTED_VERSION;
    } else if (!apiVersions.isValid()) {
      error = Errors.INVALID_REQUEST;
    }
    ApiVersionsResponseData.ApiVersionCollection versions =
        new ApiVersionsResponseData.ApiVersionCollection();
    for (ApiKeys key : supported) {
      versions.add(
          new ApiVersionsResponseData.ApiVersion()
              .setApiKey(key.id)
              .setMinVersion(advertisedMinVersion(key))
              .setMaxVersion(key.latestVersion()));
    }
    return CompletableFuture.completedFuture(
        new ApiVersionsResponse(
            new ApiVersionsResponseData().setErrorCode(error.code()).setApiKeys(versions)));
  }

  private static short advertisedMinVersion(ApiKeys key) {
    return key == ApiKeys.PRODUCE
        ? ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION
        : key.oldestVersion();
  }
}
