package io.millrace.kafka.handler;

import io.millrace.kafka.KafkaErrors;
import io.millrace.log.LogException;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeConfigs, IncrementalAlterConfigs (topic settings; SET and DELETE) and DescribeCluster.
 * The broker resource exists but has no settings of its own yet.
 */
public final class ConfigApis implements ApiHandler {

  /** The APIs this handler answers. */
  public static final Set<ApiKeys> APIS =
      Set.of(ApiKeys.DESCRIBE_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.DESCRIBE_CLUSTER);

  /** Kafka's ConfigSource codes for DescribeConfigs. */
  private static final byte SOURCE_TOPIC = 1;

  private static final byte SOURCE_DEFAULT = 5;
  private static final byte OP_SET = 0;
  private static final byte OP_DELETE = 1;

  private final Broker broker;
  private final Executor adminExecutor;

  public ConfigApis(Broker broker, Executor adminExecutor) {
    this.broker = broker;
    this.adminExecutor = adminExecutor;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    return switch (context.header.apiKey()) {
      case DESCRIBE_CONFIGS ->
          CompletableFuture.completedFuture(
              describeConfigs((DescribeConfigsRequest) request, context.apiVersion()));
      case INCREMENTAL_ALTER_CONFIGS ->
          CompletableFuture.supplyAsync(
              () -> alterConfigs((IncrementalAlterConfigsRequest) request), adminExecutor);
      case DESCRIBE_CLUSTER -> CompletableFuture.completedFuture(describeCluster());
      default -> throw new IllegalArgumentException("not a config API: " + context.header.apiKey());
    };
  }

  private AbstractResponse describeConfigs(DescribeConfigsRequest request, short version) {
    DescribeConfigsResponseData response = new DescribeConfigsResponseData();
    for (DescribeConfigsRequestData.DescribeConfigsResource resource : request.data().resources()) {
      DescribeConfigsResponseData.DescribeConfigsResult result =
          new DescribeConfigsResponseData.DescribeConfigsResult()
              .setResourceType(resource.resourceType())
              .setResourceName(resource.resourceName());
      response.results().add(result);
      if (resource.resourceType() == ConfigResource.Type.BROKER.id()) {
        continue; // no broker settings are exposed yet
      }
      if (resource.resourceType() != ConfigResource.Type.TOPIC.id()) {
        result
            .setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage("unsupported resource type");
        continue;
      }
      Optional<TopicDescription> topic = broker.log().describeTopic(resource.resourceName());
      if (topic.isEmpty()) {
        result
            .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
            .setErrorMessage("unknown topic " + resource.resourceName());
        continue;
      }
      for (Map.Entry<String, String> setting : topic.get().config().toMap().entrySet()) {
        if (resource.configurationKeys() != null
            && !resource.configurationKeys().contains(setting.getKey())) {
          continue;
        }
        result
            .configs()
            .add(
                new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                    .setName(setting.getKey())
                    .setValue(setting.getValue())
                    .setReadOnly(false)
                    .setConfigSource(
                        topic.get().overrides().containsKey(setting.getKey())
                            ? SOURCE_TOPIC
                            : SOURCE_DEFAULT)
                    .setIsSensitive(false));
      }
    }
    return new DescribeConfigsResponse(response);
  }

  private AbstractResponse alterConfigs(IncrementalAlterConfigsRequest request) {
    IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
    for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource :
        request.data().resources()) {
      IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse result =
          new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
              .setResourceType(resource.resourceType())
              .setResourceName(resource.resourceName());
      response.responses().add(result);
      if (resource.resourceType() != ConfigResource.Type.TOPIC.id()) {
        result
            .setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage("only topic settings can be altered");
        continue;
      }
      Map<String, String> changes = new LinkedHashMap<>();
      String problem = null;
      for (IncrementalAlterConfigsRequestData.AlterableConfig config : resource.configs()) {
        if (config.configOperation() == OP_SET) {
          changes.put(config.name(), config.value());
        } else if (config.configOperation() == OP_DELETE) {
          changes.put(config.name(), null);
        } else {
          problem = "only SET and DELETE are supported for " + config.name();
        }
      }
      if (problem != null) {
        result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(problem);
        continue;
      }
      try {
        if (request.data().validateOnly()) {
          TopicDescription topic =
              broker
                  .log()
                  .describeTopic(resource.resourceName())
                  .orElseThrow(
                      () ->
                          new io.millrace.log.InvalidRequestException(
                              io.millrace.log.InvalidRequestException.Reason.UNKNOWN_TOPIC,
                              "unknown topic " + resource.resourceName()));
          changes.keySet().forEach(TopicConfig::requireKnown);
          Map<String, String> merged = new LinkedHashMap<>(topic.overrides());
          changes.forEach(
              (k, v) -> {
                if (v == null) {
                  merged.remove(k);
                } else {
                  merged.put(k, v);
                }
              });
          broker
              .log()
              .options()
              .topicDefaults()
              .with(merged, broker.log().options().topicDefaults());
        } else {
          broker.log().alterTopicConfig(resource.resourceName(), changes);
        }
      } catch (LogException e) {
        result.setErrorCode(KafkaErrors.of(e).code()).setErrorMessage(e.getMessage());
      }
    }
    return new IncrementalAlterConfigsResponse(response);
  }

  private AbstractResponse describeCluster() {
    DescribeClusterResponseData response =
        new DescribeClusterResponseData()
            .setClusterId(broker.clusterId())
            .setControllerId(Broker.NODE_ID);
    response
        .brokers()
        .add(
            new DescribeClusterResponseData.DescribeClusterBroker()
                .setBrokerId(Broker.NODE_ID)
                .setHost(broker.advertisedHost())
                .setPort(broker.advertisedPort().getAsInt()));
    return new DescribeClusterResponse(response);
  }
}
