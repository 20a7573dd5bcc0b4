package io.millrace.connect.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.connect.SourceCheckpoint;
import io.millrace.connect.SourcePositionStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's source offsets (the LSN, the transaction, snapshot progress) kept in Millrace's own
 * log: the source's record in {@value SourcePositionStore#TOPIC}, key = the source's name, value a
 * {@link SourceCheckpoint} whose cursor holds the offsets:
 *
 * <pre>
 * {"version": 1, "sequence": N, "topic": "cdc", "recentIds": [], "endOffsets": {},
 *  "cursor": {"offsets": {"KEY JSON": "VALUE JSON"}}}
 *
 * e.g. KEY JSON   ["orders-cdc",{"server":"shop"}]
 *      VALUE JSON {"lsn_proc":...,"lsn_commit":...,"lsn":...,"txId":...,"ts_usec":...}
 * </pre>
 *
 * Both are the JSON that Debezium's engine produces for offsets (its offset converters are JSON),
 * kept as text so that {@code millrace cdc status} can show them.
 *
 * <p>Debezium creates this class by reflection, so it finds its source through {@link #bind}: the
 * engine's properties carry {@value #SOURCE_PROPERTY}. {@link #save} runs on the store's own
 * executor thread; it hands the write to the source's writer thread and returns once the position
 * is durable. The engine asks for that save only after the change events it covers were made
 * durable (the source commits record by record, see {@link ChangeEventWriter}), and only after the
 * save does Debezium confirm the LSN to PostgreSQL's slot: so neither the stored position nor the
 * slot ever moves past a change that is not in the log.
 */
public final class LogOffsetBackingStore extends MemoryOffsetBackingStore {

  static final String SOURCE_PROPERTY = "millrace.source.name";
  static final String CHECKPOINT_TOPIC = "cdc";

  /** What a store needs of its source, registered before the engine starts. */
  record Binding(
      String sourceName,
      SourcePositionStore positions,
      CdcLogWriter writer,
      ObjectMapper mapper,
      java.util.function.Consumer<Map<String, String>> onStored) {}

  private static final Map<String, Binding> BINDINGS = new ConcurrentHashMap<>();

  private Binding binding;
  private long sequence;

  static void bind(Binding binding) {
    if (BINDINGS.putIfAbsent(binding.sourceName(), binding) != null) {
      throw new IllegalStateException("a CDC source named " + binding.sourceName() + " is running");
    }
  }

  static void unbind(String sourceName) {
    BINDINGS.remove(sourceName);
  }

  @Override
  public void configure(WorkerConfig config) {
    super.configure(config);
    String name = config.originalsStrings().get(SOURCE_PROPERTY);
    binding = name == null ? null : BINDINGS.get(name);
    if (binding == null) {
      throw new ConnectException(
          "LogOffsetBackingStore is only for Millrace's CDC sources (" + name + " is not bound)");
    }
  }

  @Override
  public synchronized void start() {
    super.start();
    Optional<SourceCheckpoint> stored = readStored(binding);
    if (stored.isEmpty()) {
      return;
    }
    sequence = stored.get().sequence();
    stored
        .get()
        .cursor()
        .path("offsets")
        .properties()
        .forEach(
            e ->
                data.put(
                    ByteBuffer.wrap(e.getKey().getBytes(StandardCharsets.UTF_8)),
                    ByteBuffer.wrap(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
  }

  /** The stored offsets of a source as JSON text, key → value; empty if it has none. */
  static Map<String, String> storedOffsets(SourcePositionStore positions, String sourceName) {
    Map<String, String> offsets = new java.util.TreeMap<>();
    positions
        .read(sourceName)
        .ifPresent(
            c ->
                c.cursor()
                    .path("offsets")
                    .properties()
                    .forEach(e -> offsets.put(e.getKey(), e.getValue().asText())));
    return offsets;
  }

  private static Optional<SourceCheckpoint> readStored(Binding binding) {
    try {
      return binding.writer().call(() -> binding.positions().read(binding.sourceName()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("interrupted while reading the position", e);
    }
  }

  @Override
  protected void save() {
    ObjectNode offsets = binding.mapper().createObjectNode();
    Map<String, String> stored = new java.util.TreeMap<>();
    synchronized (this) {
      for (Map.Entry<ByteBuffer, ByteBuffer> entry : data.entrySet()) {
        if (entry.getKey() != null && entry.getValue() != null) {
          stored.put(text(entry.getKey()), text(entry.getValue()));
        }
      }
      sequence++;
    }
    stored.forEach(offsets::put);
    ObjectNode cursor = binding.mapper().createObjectNode();
    cursor.set("offsets", offsets);
    SourceCheckpoint checkpoint =
        new SourceCheckpoint(sequence, cursor, List.of(), CHECKPOINT_TOPIC, Map.of());
    try {
      binding
          .writer()
          .call(
              () -> {
                binding
                    .writer()
                    .writeOneDurably(
                        () -> binding.positions().tryWrite(binding.sourceName(), checkpoint),
                        SourcePositionStore.TOPIC);
                return null;
              });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("interrupted while storing the position", e);
    }
    binding.onStored().accept(stored);
  }

  private static String text(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public Set<Map<String, Object>> connectorPartitions(String connectorName) {
    return Set.of(); // only Kafka Connect's REST API asks; the embedded engine does not
  }

  /** The JSON of an offset value, for status output; null if unreadable. */
  static JsonNode parse(ObjectMapper mapper, String json) {
    try {
      return mapper.readTree(json);
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
