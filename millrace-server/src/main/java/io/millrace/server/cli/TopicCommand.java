package io.millrace.server.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace topic create|list|describe|delete|alter}: topic administration over Kafka. */
@Command(
    name = "topic",
    mixinStandardHelpOptions = true,
    description = "Create, list, describe, alter and delete topics of a running server.",
    subcommands = {
      TopicCommand.Create.class,
      TopicCommand.ListTopics.class,
      TopicCommand.Describe.class,
      TopicCommand.Delete.class,
      TopicCommand.Alter.class
    })
final class TopicCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs an admin call, turning Kafka's errors into one-line CLI errors. */
  static <T> T call(KafkaFutureCall<T> call) {
    try {
      return call.get();
    } catch (ExecutionException e) {
      throw new CliException(e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  /** An admin call that may fail. */
  interface KafkaFutureCall<T> {
    T get() throws ExecutionException, InterruptedException;
  }

  static Map<String, String> settings(List<String> pairs) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String pair : pairs) {
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        throw new CliException("setting '" + pair + "' must be NAME=VALUE");
      }
      settings.put(pair.substring(0, equals), pair.substring(equals + 1));
    }
    return settings;
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
  static final class Create implements Runnable {
    @Mixin KafkaConnection connection;

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(
        names = {"-p", "--partitions"},
        defaultValue = "1",
        description = "Partitions (default: 1).")
    int partitions;

    @Option(
        names = {"-c", "--config"},
        paramLabel = "NAME=VALUE",
        description = "A topic setting, e.g. cleanup.policy=compact.")
    List<String> configs = new ArrayList<>();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      try (Admin admin = Admin.create(connection.properties())) {
        NewTopic topicSpec = new NewTopic(topic, partitions, (short) 1).configs(settings(configs));
        call(() -> admin.createTopics(List.of(topicSpec)).all().get());
        spec.commandLine()
            .getOut()
            .println("created topic " + topic + " with " + partitions + " partitions");
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List topics.")
  static final class ListTopics implements Runnable {
    @Mixin KafkaConnection connection;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      try (Admin admin = Admin.create(connection.properties())) {
        Map<String, TopicDescription> topics =
            call(
                () -> admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-40s %10s%n", "TOPIC", "PARTITIONS");
        new TreeMap<>(topics)
            .forEach((name, d) -> out.printf("%-40s %10d%n", name, d.partitions().size()));
      }
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a topic's partitions, offsets and settings.")
  static final class Describe implements Runnable {
    @Mixin KafkaConnection connection;

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      try (Admin admin = Admin.create(connection.properties())) {
        TopicDescription description =
            call(() -> admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic));
        Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        description
            .partitions()
            .forEach(
                p -> {
                  earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
                  latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
                });
        var starts = call(() -> admin.listOffsets(earliest).all().get());
        var ends = call(() -> admin.listOffsets(latest).all().get());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config =
            call(() -> admin.describeConfigs(List.of(resource)).all().get().get(resource));
        PrintWriter out = spec.commandLine().getOut();
        out.println("topic " + topic + " (id " + description.topicId() + ")");
        out.printf("%10s %16s %16s%n", "PARTITION", "START OFFSET", "END OFFSET");
        for (TopicPartition tp : earliest.keySet()) {
          out.printf(
              "%10d %16d %16d%n", tp.partition(), starts.get(tp).offset(), ends.get(tp).offset());
        }
        out.println("settings:");
        for (ConfigEntry entry : config.entries()) {
          out.printf(
              "  %-28s %-20s%s%n",
              entry.name(),
              entry.value(),
              entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG
                  ? " (set on topic)"
                  : "");
        }
      }
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete topics and all their data.")
  static final class Delete implements Runnable {
    @Mixin KafkaConnection connection;

    @Parameters(paramLabel = "TOPIC", arity = "1..*")
    List<String> topics;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      try (Admin admin = Admin.create(connection.properties())) {
        call(() -> admin.deleteTopics(topics).all().get());
        spec.commandLine().getOut().println("deleted " + String.join(", ", topics));
      }
    }
  }

  @Command(
      name = "alter",
      mixinStandardHelpOptions = true,
      description = "Change a topic's settings or partition count.")
  static final class Alter implements Runnable {
    @Mixin KafkaConnection connection;

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(
        names = {"-c", "--config"},
        paramLabel = "NAME=VALUE",
        description = "Set a setting.")
    List<String> set = new ArrayList<>();

    @Option(
        names = "--delete-config",
        paramLabel = "NAME",
        description = "Reset a setting to its default.")
    List<String> reset = new ArrayList<>();

    @Option(
        names = {"-p", "--partitions"},
        description = "Grow the topic to this many partitions.")
    Integer partitions;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      if (set.isEmpty() && reset.isEmpty() && partitions == null) {
        throw new CliException("nothing to change: give --config, --delete-config or --partitions");
      }
      try (Admin admin = Admin.create(connection.properties())) {
        List<AlterConfigOp> ops = new ArrayList<>();
        settings(set)
            .forEach(
                (k, v) ->
                    ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        reset.forEach(
            k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
        if (!ops.isEmpty()) {
          ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
          call(() -> admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get());
        }
        if (partitions != null) {
          call(
              () ->
                  admin
                      .createPartitions(
                          Map.of(
                              topic,
                              org.apache.kafka.clients.admin.NewPartitions.increaseTo(partitions)))
                      .all()
                      .get());
        }
        spec.commandLine().getOut().println("altered topic " + topic);
      }
    }
  }
}
