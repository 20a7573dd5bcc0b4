package io.millrace.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicDescription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /topics}: list, create, describe and delete topics through the log's admin API, which does
 * all the validation (names, partition counts, settings) so the HTTP API and the Kafka listener
 * refuse the same things with the same messages. Thread-safe: the log serializes admin changes.
 */
public final class TopicsApi {

  /** Partitions of a topic created without a {@code partitions} field. */
  public static final int DEFAULT_PARTITIONS = 1;

  private static final Set<String> CREATE_FIELDS = Set.of("name", "partitions", "configs");

  private final Log log;

  public TopicsApi(Log log) {
    this.log = log;
  }

  public void register(Router.Builder routes) {
    routes.get("/topics", request -> list());
    routes.post("/topics", this::create);
    routes.get("/topics/{topic}", request -> describe(request.pathParameter("topic")));
    routes.delete("/topics/{topic}", request -> delete(request.pathParameter("topic")));
  }

  /** One entry of {@code GET /topics}. */
  public record TopicSummary(String name, int partitions, boolean internal) {}

  /** The body of {@code GET /topics}. */
  public record TopicList(List<TopicSummary> topics) {}

  /** A partition's offsets: records live at [log_start_offset, log_end_offset). */
  public record PartitionDetail(
      int partition, long logStartOffset, long logEndOffset, long sizeBytes) {}

  /** A setting's effective value and whether the topic overrides the default. */
  public record ConfigValue(String value, boolean override) {}

  /** The body of {@code GET /topics/{topic}} and of a 201 from {@code POST /topics}. */
  public record TopicDetail(
      String name,
      String topicId,
      boolean internal,
      List<PartitionDetail> partitions,
      Map<String, ConfigValue> configs) {}

  private ApiResponse list() {
    List<TopicSummary> topics = new ArrayList<>();
    for (String name : log.topicNames()) {
      // A topic deleted between the two calls is simply left out.
      log.describeTopic(name)
          .ifPresent(t -> topics.add(new TopicSummary(name, t.partitions(), t.isInternal())));
    }
    return ApiResponse.ok(new TopicList(topics));
  }

  private ApiResponse create(ApiRequest request) {
    JsonNode body = Json.readBody(request);
    if (!body.isObject()) {
      throw ApiException.badRequest(
          "invalid_request", "the body must be a JSON object with name, partitions and configs");
    }
    for (Iterator<String> fields = body.fieldNames(); fields.hasNext(); ) {
      String field = fields.next();
      if (!CREATE_FIELDS.contains(field)) {
        throw ApiException.badRequest(
            "invalid_request", "unknown field " + field + " (known: name, partitions, configs)");
      }
    }
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual()) {
      throw ApiException.badRequest("invalid_request", "name is required and must be a string");
    }
    int partitions = partitions(body.get("partitions"));
    Map<String, String> configs = configs(body.get("configs"));
    TopicDescription created = callLog(() -> log.createTopic(name.asText(), partitions, configs));
    return ApiResponse.created(detail(created), "/topics/" + created.name());
  }

  private static int partitions(JsonNode partitions) {
    if (partitions == null || partitions.isNull()) {
      return DEFAULT_PARTITIONS;
    }
    if (!partitions.isIntegralNumber() || !partitions.canConvertToInt()) {
      throw ApiException.badRequest(
          "invalid_partitions", "partitions must be an integer, was " + partitions);
    }
    return partitions.intValue();
  }

  /** Topic settings as text, as the log takes them; a null value means "the default". */
  private static Map<String, String> configs(JsonNode configs) {
    if (configs == null || configs.isNull()) {
      return Map.of();
    }
    if (!configs.isObject()) {
      throw ApiException.badRequest(
          "invalid_config", "configs must be an object of setting names to values");
    }
    Map<String, String> result = new HashMap<>();
    for (Map.Entry<String, JsonNode> entry : configs.properties()) {
      JsonNode value = entry.getValue();
      if (!value.isValueNode()) {
        throw ApiException.badRequest(
            "invalid_config", "invalid " + entry.getKey() + ": must be a string or a number");
      }
      result.put(entry.getKey(), value.isNull() ? null : value.asText());
    }
    return result;
  }

  private ApiResponse describe(String name) {
    TopicDescription topic = log.describeTopic(name).orElseThrow(() -> unknownTopic(name));
    return ApiResponse.ok(callLog(() -> detail(topic)));
  }

  private ApiResponse delete(String name) {
    callLog(
        () -> {
          log.deleteTopic(name);
          return null;
        });
    return ApiResponse.noContent();
  }

  private TopicDetail detail(TopicDescription topic) {
    List<PartitionDetail> partitions = new ArrayList<>();
    for (PartitionLog partition : log.partitions(topic.name())) {
      partitions.add(
          new PartitionDetail(
              partition.topicPartition().partition(),
              partition.logStartOffset(),
              partition.logEndOffset(),
              partition.sizeBytes()));
    }
    Map<String, ConfigValue> configs = new LinkedHashMap<>();
    topic
        .config()
        .toMap()
        .forEach(
            (setting, value) ->
                configs.put(
                    setting, new ConfigValue(value, topic.overrides().containsKey(setting))));
    return new TopicDetail(
        topic.name(), topic.topicId().toString(), topic.isInternal(), partitions, configs);
  }

  private static ApiException unknownTopic(String name) {
    return ApiException.notFound("unknown_topic", "unknown topic " + name);
  }

  /** Runs a log admin call, turning the caller's mistakes into 4xx answers. */
  private static <T> T callLog(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (InvalidRequestException e) {
      throw switch (e.reason()) {
        case UNKNOWN_TOPIC -> ApiException.notFound("unknown_topic", e.getMessage());
        case TOPIC_EXISTS -> new ApiException(409, "topic_exists", e.getMessage());
        case INVALID_TOPIC_NAME -> ApiException.badRequest("invalid_topic_name", e.getMessage());
        case INVALID_CONFIG -> ApiException.badRequest("invalid_config", e.getMessage());
        case INVALID_PARTITIONS -> ApiException.badRequest("invalid_partitions", e.getMessage());
        case OFFSET_OUT_OF_RANGE -> ApiException.badRequest("offset_out_of_range", e.getMessage());
      };
    }
    // Any other LogException is the environment (disk): the dispatcher answers 500 and logs it.
  }
}
