package io.millrace.server.api;

import io.millrace.engine.task.TaskStatus;
import io.millrace.http.ApiException;
import io.millrace.http.ApiRequest;
import io.millrace.http.ApiResponse;
import io.millrace.http.Router;
import io.millrace.pipeline.definition.Problem;
import io.millrace.pipeline.runtime.PipelineDeployException;
import io.millrace.pipeline.runtime.PipelineRuntime;
import io.millrace.pipeline.runtime.PipelineStatus;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code /pipelines}: deploy a pipeline file (the YAML is the request body), list, inspect and stop
 * pipelines of the {@link PipelineRuntime}. A refused file answers 400 with every problem at its
 * {@code file:line:column}; nothing runs or changes then. Thread-safe (the runtime serializes
 * lifecycle changes).
 */
public final class PipelinesApi {

  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  private final PipelineRuntime runtime;

  public PipelinesApi(PipelineRuntime runtime) {
    this.runtime = runtime;
  }

  public void register(Router.Builder routes) {
    routes.post("/pipelines", this::deploy);
    routes.get("/pipelines", request -> list());
    routes.get("/pipelines/{name}", request -> describe(request.pathParameter("name")));
    routes.delete("/pipelines/{name}", request -> stop(request.pathParameter("name")));
  }

  /** One problem of a refused pipeline file. */
  public record ProblemBody(String file, int line, int column, String message, String hint) {}

  /** The 400 body of a refused deployment: the usual error and message, plus every problem. */
  public record RefusedBody(String error, String message, List<ProblemBody> problems) {}

  /** One entry of {@code GET /pipelines}. */
  public record PipelineSummary(
      String name,
      String state,
      String file,
      long deployedAtMs,
      String group,
      int tasks,
      long recordsIn,
      long recordsOut,
      long deadLetters,
      long lag,
      String error) {}

  /** The body of {@code GET /pipelines}. */
  public record PipelineList(List<PipelineSummary> pipelines) {}

  /** One task of a pipeline. */
  public record TaskBody(
      String topic,
      int partition,
      String state,
      long position,
      long committedOffset,
      long endOffset,
      long lag,
      long recordsIn,
      long recordsOut,
      long deadLetters,
      long retries,
      long backpressuredWaits,
      String error) {}

  /** The body of {@code GET /pipelines/{name}} and of a successful deployment. */
  public record PipelineDetail(PipelineSummary pipeline, List<TaskBody> tasks) {}

  private ApiResponse deploy(ApiRequest request) {
    String file = request.queryParameter("file").orElse("pipeline.yaml");
    if (!FILE_NAME.matcher(file).matches()) {
      throw ApiException.badRequest(
          "invalid_request", "file must be 1 to 200 of A-Z a-z 0-9 . _ -, was " + file);
    }
    String text = utf8(request.body());
    if (text.isBlank()) {
      throw ApiException.badRequest(
          "invalid_request", "the body must be a pipeline file (YAML); it is empty");
    }
    try {
      PipelineStatus status = runtime.deploy(file, text);
      return ApiResponse.created(detail(status), "/pipelines/" + status.name());
    } catch (PipelineDeployException e) {
      throw refused(e);
    }
  }

  private ApiResponse list() {
    return ApiResponse.ok(
        new PipelineList(runtime.list().stream().map(PipelinesApi::summary).toList()));
  }

  private ApiResponse describe(String name) {
    return ApiResponse.ok(
        detail(
            runtime
                .status(name)
                .orElseThrow(
                    () -> ApiException.notFound("unknown_pipeline", "no pipeline " + name))));
  }

  private ApiResponse stop(String name) {
    if (!runtime.stop(name)) {
      throw ApiException.notFound("unknown_pipeline", "no pipeline " + name);
    }
    return ApiResponse.noContent();
  }

  private static ApiException refused(PipelineDeployException e) {
    List<ProblemBody> problems = e.problems().stream().map(PipelinesApi::problemBody).toList();
    String message =
        e.file()
            + " is not a valid pipeline: "
            + (problems.isEmpty() ? "" : e.problems().get(0).format().lines().findFirst().get())
            + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "");
    return new ApiException(
        400,
        "invalid_pipeline",
        message,
        new RefusedBody("invalid_pipeline", message, problems),
        Map.of());
  }

  private static ProblemBody problemBody(Problem problem) {
    return new ProblemBody(
        problem.position().file(),
        problem.position().line(),
        problem.position().column(),
        problem.message(),
        problem.hint());
  }

  static PipelineSummary summary(PipelineStatus status) {
    return new PipelineSummary(
        status.name(),
        status.state().name(),
        status.file(),
        status.deployedAtMs(),
        status.group(),
        status.tasks().size(),
        status.recordsIn(),
        status.recordsOut(),
        status.deadLetters(),
        status.lag(),
        status.error());
  }

  private static PipelineDetail detail(PipelineStatus status) {
    return new PipelineDetail(
        summary(status), status.tasks().stream().map(PipelinesApi::taskBody).toList());
  }

  private static TaskBody taskBody(TaskStatus task) {
    return new TaskBody(
        task.topic(),
        task.partition(),
        task.state().name(),
        task.position(),
        task.committedOffset(),
        task.endOffset(),
        task.lag(),
        task.recordsIn(),
        task.recordsOut(),
        task.deadLetters(),
        task.retries(),
        task.backPressuredWaits(),
        task.failure());
  }

  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("invalid_request", "the body is not UTF-8 text");
    }
  }
}
