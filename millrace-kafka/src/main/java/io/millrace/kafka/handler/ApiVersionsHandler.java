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
              .setMinVersion(key.oldestVersion())
              .setMaxVersion(key.latestVersion()));
    }
    return CompletableFuture.completedFuture(
        new ApiVersionsResponse(
            new ApiVersionsResponseData().setErrorCode(error.code()).setApiKeys(versions)));
  }
}
