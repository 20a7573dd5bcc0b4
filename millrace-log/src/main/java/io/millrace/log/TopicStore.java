package io.millrace.log;

import io.millrace.log.segment.Io;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Reads and writes {@code topic.properties}: the topic id, the partition count and the settings a
 * topic overrides. Replaced atomically, so a crash leaves the old or the new file.
 */
final class TopicStore {

  static final String FILE_NAME = "topic.properties";
  private static final String PARTITIONS = "partitions";
  private static final String ID = "id";

  /** The stored part of a topic; {@code id} is null for topics written before ids existed. */
  record Stored(UUID id, int partitions, Map<String, String> overrides) {}

  private TopicStore() {}

  static void write(Path topicDirectory, UUID id, int partitions, Map<String, String> overrides)
      throws IOException {
    Properties properties = new Properties();
    properties.setProperty(ID, id.toString());
    properties.setProperty(PARTITIONS, Integer.toString(partitions));
    overrides.forEach(properties::setProperty);
    StringWriter text = new StringWriter();
    properties.store(text, "Millrace topic: partition count and overridden settings");
    Io.writeAtomically(
        topicDirectory.resolve(FILE_NAME), text.toString().getBytes(StandardCharsets.UTF_8));
  }

  static Stored read(Path topicDirectory) throws IOException {
    Properties properties = new Properties();
    properties.load(
        new StringReader(
            Files.readString(topicDirectory.resolve(FILE_NAME), StandardCharsets.UTF_8)));
    Map<String, String> overrides = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      if (!name.equals(PARTITIONS) && !name.equals(ID)) {
        overrides.put(name, properties.getProperty(name));
      }
    }
    String partitions = properties.getProperty(PARTITIONS);
    if (partitions == null) {
      throw new IOException(topicDirectory.resolve(FILE_NAME) + " has no partitions setting");
    }
    String id = properties.getProperty(ID);
    return new Stored(
        id == null ? null : UUID.fromString(id.trim()),
        Integer.parseInt(partitions.trim()),
        overrides);
  }
}
