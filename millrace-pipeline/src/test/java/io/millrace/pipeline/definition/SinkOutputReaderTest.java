package io.millrace.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkOutputReaderTest {

  private final Problems problems = new Problems();

  private List<Output> outputs(String outputsYaml) {
    String yaml = "name: p\ninput:\n  topics: [in]\noutputs:\n" + outputsYaml;
    YamlNode root =
        new YamlReader(
                "p.yaml", EnvironmentSubstitution.from(Map.of("PG_PASSWORD", "s3cret")), problems)
            .read(yaml);
    PipelineDefinition definition = new DefinitionReader(problems).read(root);
    assertThat(problems.sorted()).isEmpty();
    return definition.outputs();
  }

  @Test
  void shouldReadAPostgresUpsertWithColumnShorthandsAndDefaults() {
    List<Output> outputs =
        outputs(
            """
              - name: db
                postgres:
                  url: jdbc:postgresql://localhost/db
                  password: ${PG_PASSWORD}
                  table: public.users
                  key: [id]
                  columns:
                    id: {path: user.id, type: bigint}
                    name: user.name
                    score: {type: double precision, not_null: true}
            """);
    assertThat(outputs).hasSize(1);
    PostgresOutput pg = (PostgresOutput) outputs.get(0);
    assertThat(pg).isInstanceOf(Output.SinkOutput.class);
    assertThat(pg.mode()).isEqualTo(PostgresOutput.Mode.UPSERT);
    assertThat(pg.password()).isEqualTo("s3cret");
    assertThat(pg.toString()).doesNotContain("s3cret");
    assertThat(pg.user()).isNull();
    assertThat(pg.key()).containsExactly("id");
    assertThat(pg.columns())
        .containsExactly(
            new PostgresOutput.Column(
                "id", FieldPath.parseOrNull("user.id"), PostgresOutput.ColumnType.BIGINT, false),
            new PostgresOutput.Column(
                "name", FieldPath.parseOrNull("user.name"), PostgresOutput.ColumnType.TEXT, false),
            new PostgresOutput.Column(
                "score",
                FieldPath.parseOrNull("score"),
                PostgresOutput.ColumnType.DOUBLE_PRECISION,
                true));
    assertThat(pg.createTable()).isFalse();
    assertThat(pg.batchSize()).isEqualTo(1000);
    assertThat(pg.poolSize()).isEqualTo(4);
    assertThat(pg.position()).isEqualTo(new SourcePosition("p.yaml", 5, 5));
  }

  @Test
  void shouldReadAnHttpOutputWithBasicAuthAndAFileOutputWithDefaults() {
    List<Output> outputs =
        outputs(
            """
              - name: hook
                http:
                  url: http://127.0.0.1:9000/in
                  method: put
                  headers: {X-A: "1"}
                  auth: {basic: {user: me, password: '${PG_PASSWORD}'}}
              - name: files
                file: {directory: /tmp/out}
            """);
    HttpOutput http = (HttpOutput) outputs.get(0);
    assertThat(http.method()).isEqualTo("PUT");
    assertThat(http.mode()).isEqualTo(HttpOutput.Mode.BATCH);
    assertThat(http.headers()).isEqualTo(Map.of("X-A", "1"));
    assertThat(http.auth()).isEqualTo(new HttpOutput.Auth.Basic("me", "s3cret"));
    assertThat(http.auth().toString()).doesNotContain("s3cret");
    assertThat(http.timeoutMs()).isEqualTo(10_000);
    assertThat(outputs.get(1))
        .isEqualTo(
            new FileOutput(
                "files",
                "/tmp/out",
                "files",
                FileOutput.DEFAULT_ROLL_BYTES,
                FileOutput.DEFAULT_ROLL_INTERVAL_MS,
                new SourcePosition("p.yaml", 11, 5)));
  }
}
