package io.millrace.server.cli;

import io.millrace.engine.task.DeadLetterHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace dlq …}: work with dead-letter topics. */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = "Work with dead-letter topics.",
    subcommands = {DlqCommand.Replay.class})
final class DlqCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Sends dead letters back to the topic they came from (or {@code --to}), without their {@code
   * millrace.dlq.*} headers, so a fixed pipeline processes them again. Progress is the consumer
   * group {@code millrace-dlq-replay-TOPIC}, committed only after the records it covers are
   * acknowledged ({@code acks=all}): a second run replays only what arrived since, and a replay
   * interrupted midway repeats at most the unacknowledged tail.
   */
  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Re-inject the records of a dead-letter topic into their source topics (or --to), without"
            + " the millrace.dlq.* headers.",
        "Replays what is in the topic when the command starts, from where the last replay of"
            + " this topic stopped (or from the beginning with --from-beginning)."
      })
  static final class Replay implements Callable<Integer> {

    static final String GROUP_PREFIX = "millrace-dlq-replay-";
    private static final Duration POLL = Duration.ofMillis(500);

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin KafkaConnection connection;

    @Parameters(paramLabel = "TOPIC", description = "The dead-letter topic.")
    String topic;

    @Option(
        names = "--to",
        paramLabel = "TOPIC",
        description = "Send every record to this topic instead of its source topic.")
    String target;

    @Option(
        names = "--pipeline",
        paramLabel = "NAME",
        description = "Replay only the dead letters of this pipeline (the others are skipped).")
    String pipeline;

    @Option(
        names = "--from-beginning",
        description = "Start at the topic's first record, not where the last replay stopped.")
    boolean fromBeginning;

    @Option(
        names = "--dry-run",
        description = "Print what would be sent where; send and commit nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
      Properties consumerProperties = connection.properties();
      consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP_PREFIX + topic);
      consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      Properties producerProperties = connection.properties();
      producerProperties.put(ProducerConfig.ACKS_CONFIG, "all");
      producerProperties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      try (KafkaConsumer<byte[], byte[]> consumer =
              new KafkaConsumer<>(
                  consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
          KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(
                  producerProperties, new ByteArraySerializer(), new ByteArraySerializer())) {
        return replay(consumer, producer);
      } catch (KafkaException e) {
        throw new CliException("replaying " + topic + " failed: " + e.getMessage());
      }
    }

    private int replay(
        KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> producer) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      if (partitions.isEmpty()) {
        throw new CliException("no topic " + topic);
      }
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      int replayed = 0;
      int skipped = 0;
      while (!caughtUp(consumer, end)) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
            continue; // arrived after the start: left for the next replay
          }
          ProducerRecord<byte[], byte[]> replay = replayOf(record);
          if (replay == null) {
            skipped++;
            continue;
          }
          replayed++;
          if (dryRun) {
            spec.commandLine()
                .getOut()
                .println(
                    topic
                        + "-"
                        + record.partition()
                        + "@"
                        + record.offset()
                        + " -> "
                        + replay.topic());
          } else {
            sends.add(producer.send(replay));
          }
        }
        awaitAll(sends);
        if (!dryRun) {
          commitPositions(consumer, end.keySet());
        }
      }
      spec.commandLine()
          .getOut()
          .println(
              (dryRun ? "would replay " : "replayed ")
                  + replayed
                  + " record"
                  + (replayed == 1 ? "" : "s")
                  + " from "
                  + topic
                  + (skipped > 0 ? " (" + skipped + " skipped)" : ""));
      spec.commandLine().getOut().flush();
      return 0;
    }

    /** The record to send, or null when it is skipped (another pipeline, no source). */
    private ProducerRecord<byte[], byte[]> replayOf(ConsumerRecord<byte[], byte[]> record) {
      List<io.millrace.log.format.LogRecord.Header> headers = new ArrayList<>();
      for (Header header : record.headers()) {
        headers.add(new io.millrace.log.format.LogRecord.Header(header.key(), header.value()));
      }
      if (pipeline != null
          && !pipeline.equals(DeadLetterHeaders.value(headers, DeadLetterHeaders.PIPELINE))) {
        return null;
      }
      String destination =
          target != null
              ? target
              : DeadLetterHeaders.value(headers, DeadLetterHeaders.SOURCE_TOPIC);
      if (destination == null) {
        spec.commandLine()
            .getErr()
            .println(
                topic
                    + "-"
                    + record.partition()
                    + "@"
                    + record.offset()
                    + ": no "
                    + DeadLetterHeaders.SOURCE_TOPIC
                    + " header; skipped (use --to)");
        return null;
      }
      RecordHeaders kept = new RecordHeaders();
      for (io.millrace.log.format.LogRecord.Header header :
          DeadLetterHeaders.withoutDeadLetterHeaders(headers)) {
        kept.add(header.key(), header.value());
      }
      return new ProducerRecord<>(
          destination, null, record.timestamp(), record.key(), record.value(), kept);
    }

    private static boolean caughtUp(
        KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
      for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
        if (consumer.position(partition.getKey()) < partition.getValue()) {
          return false;
        }
      }
      return true;
    }

    private static void awaitAll(List<Future<RecordMetadata>> sends) {
      try {
        for (Future<RecordMetadata> send : sends) {
          send.get();
        }
      } catch (ExecutionException e) {
        throw new CliException("sending a replayed record failed: " + e.getCause().getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted");
      }
    }

    private static void commitPositions(
        KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
      Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
      for (TopicPartition partition : partitions) {
        positions.put(partition, new OffsetAndMetadata(consumer.position(partition)));
      }
      consumer.commitSync(positions);
    }
  }
}
