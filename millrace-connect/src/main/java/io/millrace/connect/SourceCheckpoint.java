package io.millrace.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A source's stored position: the value of its record in {@value SourcePositionStore#TOPIC}.
 *
 * <pre>
 * {"version": 1,
 *  "sequence": 42,                 the last page this position includes
 *  "cursor": {...},                where to fetch next (the source's own JSON)
 *  "recentIds": ["a", "b"],        ids written lately, oldest first (de-duplication)
 *  "topic": "events",
 *  "endOffsets": {"0": 1234}}      per partition of the topic: its log end offset when this was
 *                                  written; records of later pages can only lie at or after it
 * </pre>
 */
public record SourceCheckpoint(
    long sequence,
    JsonNode cursor,
    List<String> recentIds,
    String topic,
    Map<Integer, Long> endOffsets) {

  private static final int VERSION = 1;

  public SourceCheckpoint {
    recentIds = List.copyOf(recentIds);
    endOffsets = Map.copyOf(endOffsets);
  }

  byte[] toJson(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode();
    root.put("version", VERSION);
    root.put("sequence", sequence);
    root.set("cursor", cursor);
    ArrayNode ids = root.putArray("recentIds");
    recentIds.forEach(ids::add);
    root.put("topic", topic);
    ObjectNode offsets = root.putObject("endOffsets");
    new TreeMap<>(endOffsets).forEach((p, o) -> offsets.put(Integer.toString(p), o));
    try {
      return mapper.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a checkpoint", e);
    }
  }

  static SourceCheckpoint fromJson(ObjectMapper mapper, byte[] json) throws IOException {
    JsonNode root = mapper.readTree(json);
    if (root == null || root.path("version").asInt() != VERSION) {
      throw new IOException("unknown checkpoint version in " + new String(json));
    }
    List<String> ids = new ArrayList<>();
    root.path("recentIds").forEach(id -> ids.add(id.asText()));
    Map<Integer, Long> offsets = new TreeMap<>();
    root.path("endOffsets")
        .properties()
        .forEach(e -> offsets.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
    return new SourceCheckpoint(
        root.path("sequence").asLong(),
        root.path("cursor"),
        ids,
        root.path("topic").asText(),
        offsets);
  }
}
