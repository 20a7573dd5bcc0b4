package io.millrace.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace produce TOPIC}: one record per line from stdin or a file. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Produce one record per input line (from stdin or --file) to a topic.")
final class ProduceCommand implements Runnable {

  @Mixin KafkaConnection connection;

  @Parameters(paramLabel = "TOPIC")
  String topic;

  @Option(
      names = {"-f", "--file"},
      description = "Read lines from this file instead of stdin.")
  Path file;

  @Option(
      names = {"-k", "--key-separator"},
      description = "Split each line at the first occurrence into key and value.")
  String keySeparator;

  @Option(
      names = {"-p", "--partition"},
      description = "Send every record to this partition.")
  Integer partition;

  @Option(
      names = "--acks",
      defaultValue = "all",
      description = "0, 1 or all (default: ${DEFAULT-VALUE}).")
  String acks;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    Properties props = connection.properties();
    props.put(ProducerConfig.ACKS_CONFIG, acks);
    AtomicLong sent = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (BufferedReader lines = open();
        KafkaProducer<String, String> producer =
            new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      String line;
      while ((line = lines.readLine()) != null && failure.get() == null) {
        String key = null;
        String value = line;
        if (keySeparator != null) {
          int at = line.indexOf(keySeparator);
          if (at >= 0) {
            key = line.substring(0, at);
            value = line.substring(at + keySeparator.length());
          }
        }
        producer.send(
            new ProducerRecord<>(topic, partition, key, value),
            (metadata, error) -> {
              if (error != null) {
                failure.compareAndSet(null, error);
              } else {
                sent.incrementAndGet();
              }
            });
      }
      producer.flush();
    } catch (IOException e) {
      throw new CliException("cannot read input: " + e.getMessage());
    }
    if (failure.get() != null) {
      throw new CliException(
          "produce failed after " + sent.get() + " records: " + failure.get().getMessage());
    }
    spec.commandLine().getErr().println("produced " + sent.get() + " records to " + topic);
  }

  private BufferedReader open() throws IOException {
    if (file != null) {
      return Files.newBufferedReader(file, StandardCharsets.UTF_8);
    }
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
  }
}
