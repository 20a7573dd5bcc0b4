package io.millrace.server.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace consume TOPIC}: prints records, from a position or with a group. */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    description = "Print the records of a topic.")
final class ConsumeCommand implements Runnable {

  /** How each record is printed. */
  enum Format {
    /** The value only. */
    value,
    /** key, a tab, the value. */
    kv,
    /** One JSON object per record with partition, offset, timestamp, key, value and headers. */
    json
  }

  @Mixin KafkaConnection connection;

  @Parameters(paramLabel = "TOPIC")
  String topic;

  @Option(
      names = "--from",
      defaultValue = "beginning",
      description =
          "Where to start without a group: beginning, end, offset:N or timestamp:MILLIS"
              + " (default: ${DEFAULT-VALUE}).")
  String from;

  @Option(
      names = {"-g", "--group"},
      description = "Consume as a member of this group, from its committed offsets.")
  String group;

  @Option(
      names = {"-o", "--format"},
      defaultValue = "value",
      description = "value, kv or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(
      names = {"-n", "--max-records"},
      description = "Stop after this many records.")
  Long maxRecords;

  @Option(
      names = "--idle-timeout-ms",
      defaultValue = "-1",
      description = "Stop when no record arrives for this long (default: never).")
  long idleTimeoutMs;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    Properties props = connection.properties();
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    }
    PrintWriter out = spec.commandLine().getOut();
    long printed = 0;
    long idleSince = System.currentTimeMillis();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      if (group != null) {
        consumer.subscribe(List.of(topic));
      } else {
        position(consumer);
      }
      while (maxRecords == null || printed < maxRecords) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> record : records) {
          out.println(render(record));
          if (maxRecords != null && ++printed >= maxRecords) {
            break;
          }
        }
        out.flush();
        if (!records.isEmpty()) {
          idleSince = System.currentTimeMillis();
        } else if (idleTimeoutMs >= 0 && System.currentTimeMillis() - idleSince >= idleTimeoutMs) {
          break;
        }
      }
      if (group != null) {
        consumer.commitSync();
      }
    }
  }

  private void position(KafkaConsumer<String, String> consumer) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
    if (infos == null || infos.isEmpty()) {
      throw new CliException("unknown topic " + topic);
    }
    List<TopicPartition> partitions = new ArrayList<>();
    infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    if (from.equals("beginning")) {
      consumer.seekToBeginning(partitions);
    } else if (from.equals("end")) {
      consumer.seekToEnd(partitions);
    } else if (from.startsWith("offset:")) {
      long offset = number(from.substring(7));
      partitions.forEach(tp -> consumer.seek(tp, offset));
    } else if (from.startsWith("timestamp:")) {
      long timestamp = number(from.substring(10));
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(tp -> query.put(tp, timestamp));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
      for (TopicPartition tp : partitions) {
        OffsetAndTimestamp at = found.get(tp);
        if (at == null) {
          consumer.seekToEnd(List.of(tp));
        } else {
          consumer.seek(tp, at.offset());
        }
      }
    } else {
      throw new CliException(
          "--from must be beginning, end, offset:N or timestamp:MILLIS, not " + from);
    }
  }

  private static long number(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new CliException("not a number: " + text);
    }
  }

  private String render(ConsumerRecord<String, String> record) {
    return switch (format) {
      case value -> record.value();
      case kv -> record.key() + "\t" + record.value();
      case json -> json(record);
    };
  }

  private static String json(ConsumerRecord<String, String> record) {
    StringBuilder headers = new StringBuilder("{");
    record
        .headers()
        .forEach(
            h -> {
              if (headers.length() > 1) {
                headers.append(',');
              }
              headers
                  .append(quote(h.key()))
                  .append(':')
                  .append(
                      h.value() == null
                          ? "null"
                          : quote(new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)));
            });
    headers.append('}');
    return "{\"partition\":"
        + record.partition()
        + ",\"offset\":"
        + record.offset()
        + ",\"timestamp\":"
        + record.timestamp()
        + ",\"key\":"
        + (record.key() == null ? "null" : quote(record.key()))
        + ",\"value\":"
        + (record.value() == null ? "null" : quote(record.value()))
        + ",\"headers\":"
        + headers
        + "}";
  }

  /** A JSON string literal. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
