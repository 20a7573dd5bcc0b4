package io.millrace.server.cli;

import io.millrace.pipeline.definition.Problem;
import io.millrace.pipeline.runtime.PipelineDeployException;
import io.millrace.pipeline.runtime.PipelineStatus;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code millrace run PIPELINE.yaml…}: development mode — a server (the same options as {@code
 * millrace server}) with these pipelines deployed at start. A pipeline file with problems stops the
 * start with every problem printed; none of the files is deployed then.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Start a server with these pipelines deployed (development mode); run until stopped.",
      "Pipelines deployed this way stay deployed on the data directory, like `pipeline deploy`."
    })
final class RunCommand implements Runnable {

  @Mixin ServerOptions options;

  @Parameters(paramLabel = "PIPELINE", arity = "1..*", description = "Pipeline YAML files.")
  List<Path> files;

  @Override
  public void run() {
    List<PipelineFile> pipelines = files.stream().map(PipelineFile::read).toList();
    ServerRunner.runUntilStopped(
        options.read(),
        server -> {
          StringBuilder refused = new StringBuilder();
          for (PipelineFile pipeline : pipelines) {
            try {
              PipelineStatus status = server.pipelines().deploy(pipeline.name(), pipeline.text());
              System.err.println(
                  "millrace: pipeline "
                      + status.name()
                      + " running, "
                      + status.tasks().size()
                      + " tasks");
            } catch (PipelineDeployException e) {
              for (Problem problem : e.problems()) {
                refused.append('\n').append(problem.format());
              }
            }
          }
          if (!refused.isEmpty()) {
            throw new CliException("pipelines refused:" + refused);
          }
        });
  }
}
