package io.millrace.server.cli;

import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

/**
 * The {@code --bootstrap} option the client commands share: they talk to a running Millrace (or any
 * Kafka cluster) through the Kafka protocol, like rpk or kafka-console-producer.
 */
final class KafkaConnection {

  @Option(
      names = {"-b", "--bootstrap"},
      defaultValue = "127.0.0.1:9092",
      description = "Kafka address of the server (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  /** Client properties every command starts from. */
  Properties properties() {
    Properties props = new Properties();
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(CommonClientConfigs.CLIENT_ID_CONFIG, "millrace-cli");
    return props;
  }
}
