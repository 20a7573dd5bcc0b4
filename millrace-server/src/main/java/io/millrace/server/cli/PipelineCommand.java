package io.millrace.server.cli;

import io.millrace.pipeline.PipelineValidator;
import io.millrace.pipeline.ValidationReport;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.definition.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code millrace pipeline validate FILE...}: checks pipeline files before anything runs. Running
 * pipelines is not built yet; this is the first subcommand of {@code pipeline}.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Work with pipeline files (running them is not built yet).",
    subcommands = {PipelineCommand.Validate.class})
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
        ValidationReport report = validator.validate(file.toString(), read(file), knownTopics);
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

    private static String read(Path file) {
      try {
        if (Files.size(file) > io.millrace.pipeline.definition.YamlReader.MAX_FILE_CHARS * 4L) {
          throw new CliException(file + ": file too large for a pipeline");
        }
        return Files.readString(file);
      } catch (IOException e) {
        throw new CliException("cannot read " + file + ": " + e.getMessage());
      }
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
}
