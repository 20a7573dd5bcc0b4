package io.millrace.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.pipeline.PipelineValidator;
import io.millrace.pipeline.ValidationReport;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.definition.Problem;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code millrace pipeline validate|deploy|list|status|stop}: checks pipeline files, and manages
 * the pipelines of a running server through its HTTP API ({@code --http}).
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Validate pipeline files; deploy, list, inspect and stop pipelines of a server.",
    subcommands = {
      PipelineCommand.Validate.class,
      PipelineCommand.Deploy.class,
      PipelineCommand.ListPipelines.class,
      PipelineCommand.Status.class,
      PipelineCommand.Stop.class
    })
final class PipelineCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Validates files; problems go to stderr as {@code file:line:column: message}. */
  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Validate pipeline files: YAML, settings, CEL expressions, regular expressions, JSON"
            + " Schemas, outputs; and topics, when --bootstrap names a running server.",
        "Exit code 0 when every file is valid, 1 otherwise."
      })
  static final class Validate implements Callable<Integer> {

    /** How long listing the server's topics may take. */
    static final int ADMIN_TIMEOUT_MS = 10_000;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Pipeline YAML files.")
    List<Path> files;

    @Option(
        names = {"-b", "--bootstrap"},
        description =
            "Kafka address of a running server whose topics the pipelines must use; without it"
                + " topics are not checked.")
    String bootstrap;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Optional<Set<String>> knownTopics =
          bootstrap == null ? Optional.empty() : Optional.of(listTopics());
      PipelineValidator validator = new PipelineValidator(EnvironmentSubstitution.fromProcess());
      boolean allValid = true;
      for (Path file : files) {
        ValidationReport report =
            validator.validate(file.toString(), PipelineFile.read(file).text(), knownTopics);
        for (Problem problem : report.problems()) {
          err.println(problem.format());
        }
        if (report.isValid()) {
          out.println(file + ": valid (" + report.pipeline().processors().size() + " processors)");
        } else {
          allValid = false;
          err.println(
              file
                  + ": "
                  + report.problems().size()
                  + " problem"
                  + (report.problems().size() == 1 ? "" : "s"));
        }
        for (String note : report.notes()) {
          err.println(file + ": note: " + note);
        }
      }
      out.flush();
      err.flush();
      return allValid ? 0 : 1;
    }

    private Set<String> listTopics() {
      KafkaConnection connection = new KafkaConnection();
      connection.bootstrap = bootstrap;
      Properties properties = connection.properties();
      properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ADMIN_TIMEOUT_MS);
      properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ADMIN_TIMEOUT_MS);
      try (Admin admin = Admin.create(properties)) {
        return TopicCommand.call(() -> admin.listTopics().names().get());
      } catch (CliException e) {
        throw new CliException("cannot list the topics of " + bootstrap + ": " + e.getMessage());
      }
    }
  }

  /** Deploys files to a running server; a file with problems prints them and is not deployed. */
  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description = {
        "Deploy pipeline files to a running server (replacing pipelines of the same name; they"
            + " resume from their committed offsets).",
        "Exit code 0 when every file was deployed, 1 otherwise."
      })
  static final class Deploy implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin HttpApiClient api;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Pipeline YAML files.")
    List<Path> files;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      boolean allDeployed = true;
      for (Path path : files) {
        PipelineFile file = PipelineFile.read(path);
        String name = path.getFileName().toString();
        HttpApiClient.Reply reply =
            api.post(
                "/pipelines?file=" + URLEncoder.encode(name, StandardCharsets.UTF_8),
                "application/yaml",
                file.text());
        if (reply.isOk()) {
          JsonNode pipeline = reply.body().path("pipeline");
          out.println(
              "deployed "
                  + pipeline.path("name").asText()
                  + " from "
                  + path
                  + ": "
                  + pipeline.path("tasks").asInt()
                  + " tasks");
        } else {
          allDeployed = false;
          JsonNode problems = reply.body().path("problems");
          if (problems.isArray() && !problems.isEmpty()) {
            for (JsonNode problem : problems) {
              err.println(formatProblem(path, problem));
            }
          } else {
            err.println(path + ": " + reply.message());
          }
        }
      }
      out.flush();
      err.flush();
      return allDeployed ? 0 : 1;
    }

    /** A problem as {@code path:line:column: message}, with the path as the user wrote it. */
    private static String formatProblem(Path path, JsonNode problem) {
      String text =
          path
              + ":"
              + problem.path("line").asInt()
              + ":"
              + problem.path("column").asInt()
              + ": "
              + problem.path("message").asText();
      JsonNode hint = problem.path("hint");
      return hint.isTextual() && !hint.asText().isBlank()
          ? text + "\n  hint: " + hint.asText()
          : text;
    }
  }

  /** Lists the deployed pipelines. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the pipelines of a running server.")
  static final class ListPipelines implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin HttpApiClient api;

    @Override
    public Integer call() {
      HttpApiClient.Reply reply = api.get("/pipelines");
      if (!reply.isOk()) {
        throw new CliException(reply.message());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "%-30s %-8s %6s %12s %12s %10s %10s%n",
          "NAME", "STATE", "TASKS", "IN", "OUT", "DEAD", "LAG");
      for (JsonNode pipeline : reply.body().path("pipelines")) {
        out.printf(
            "%-30s %-8s %6d %12d %12d %10d %10d%n",
            pipeline.path("name").asText(),
            pipeline.path("state").asText(),
            pipeline.path("tasks").asInt(),
            pipeline.path("records_in").asLong(),
            pipeline.path("records_out").asLong(),
            pipeline.path("dead_letters").asLong(),
            pipeline.path("lag").asLong());
      }
      out.flush();
      return 0;
    }
  }

  /** Shows one pipeline with its tasks. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show a pipeline of a running server, task by task.")
  static final class Status implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin HttpApiClient api;

    @Parameters(paramLabel = "NAME", description = "The pipeline's name.")
    String name;

    @Override
    public Integer call() {
      HttpApiClient.Reply reply =
          api.get("/pipelines/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
      if (!reply.isOk()) {
        throw new CliException(reply.message());
      }
      PrintWriter out = spec.commandLine().getOut();
      JsonNode pipeline = reply.body().path("pipeline");
      out.println(
          pipeline.path("name").asText()
              + " "
              + pipeline.path("state").asText()
              + " (from "
              + pipeline.path("file").asText()
              + ", group "
              + pipeline.path("group").asText()
              + ")");
      if (pipeline.path("error").isTextual()) {
        out.println("error: " + pipeline.path("error").asText());
      }
      out.printf(
          "%-30s %-14s %12s %12s %10s %10s%n",
          "PARTITION", "STATE", "POSITION", "COMMITTED", "LAG", "DEAD");
      for (JsonNode task : reply.body().path("tasks")) {
        out.printf(
            "%-30s %-14s %12d %12d %10d %10d%n",
            task.path("topic").asText() + "-" + task.path("partition").asInt(),
            task.path("state").asText(),
            task.path("position").asLong(),
            task.path("committed_offset").asLong(),
            task.path("lag").asLong(),
            task.path("dead_letters").asLong());
        if (task.path("error").isTextual()) {
          out.println("  error: " + task.path("error").asText());
        }
      }
      out.flush();
      return 0;
    }
  }

  /** Stops a pipeline; it is forgotten but its committed offsets stay. */
  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = {
        "Stop a pipeline of a running server and forget it (a restart will not run it).",
        "Its committed offsets stay: deploying it again resumes where it stopped."
      })
  static final class Stop implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin HttpApiClient api;

    @Parameters(paramLabel = "NAME", description = "The pipeline's name.")
    String name;

    @Override
    public Integer call() {
      HttpApiClient.Reply reply =
          api.delete("/pipelines/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
      if (!reply.isOk()) {
        throw new CliException(reply.message());
      }
      spec.commandLine().getOut().println("stopped " + name);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
