package io.millrace.connect.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.pipeline.definition.FieldPath;
import io.millrace.pipeline.definition.PostgresOutput.Column;
import io.millrace.pipeline.definition.PostgresOutput.ColumnType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowConverterTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static Column column(String name, String path, ColumnType type) {
    return new Column(name, FieldPath.parseOrNull(path), type, false);
  }

  private static RowConverter.Row convert(List<Column> columns, String json) {
    return new RowConverter(MAPPER, columns).convert(json.getBytes(StandardCharsets.UTF_8));
  }

  private static final List<Column> ALL_TYPES =
      List.of(
          column("id", "id", ColumnType.BIGINT),
          column("name", "user.name", ColumnType.TEXT),
          column("score", "score", ColumnType.DOUBLE_PRECISION),
          column("ok", "ok", ColumnType.BOOLEAN),
          column("at", "at", ColumnType.TIMESTAMPTZ),
          column("tags", "tags", ColumnType.JSONB));

  @Test
  void shouldReadNestedFieldsSkipOthersAndLeaveMissingOnesNull() {
    RowConverter.Row row =
        convert(
            ALL_TYPES,
            """
            {"skip": {"deep": [1, {"x": 2}]}, "id": 42, "user": {"age": 3, "name": "Zoë"},
             "score": 1.5e2, "ok": false, "at": 0, "tags": ["a", {"b": null}]}
            """);
    assertThat(row.rejection()).isNull();
    assertThat(row.values())
        .containsExactly(
            "42", "Zoë", "1.5e2", "false", "1970-01-01T00:00:00Z", "[\"a\",{\"b\":null}]");

    assertThat(convert(ALL_TYPES, "{\"user\": \"not an object\", \"id\": null}").values())
        .containsOnlyNulls();
  }

  @Test
  void shouldAcceptNumbersAsStringsAndTextForAnyScalar() {
    RowConverter.Row row =
        convert(
            ALL_TYPES,
            "{\"id\": \" 7 \", \"user\": {\"name\": 12.50}, \"score\": \"3\", \"at\": \"2026-01-01T00:00:00Z\", \"tags\": \"x\"}");
    assertThat(row.values())
        .containsExactly("7", "12.50", "3", null, "2026-01-01T00:00:00Z", "\"x\"");
    assertThat(convert(ALL_TYPES, "{\"user\": {\"name\": {\"first\": \"a\"}}}").values()[1])
        .isEqualTo("{\"first\":\"a\"}");
  }

  @Test
  void whenAColumnIsAlsoTheParentOfOtherColumns_thenBothAreRead() {
    List<Column> columns =
        List.of(
            column("raw", "order", ColumnType.JSONB),
            column("id", "order.id", ColumnType.BIGINT),
            column("city", "order.to.city", ColumnType.TEXT));
    RowConverter.Row row =
        convert(columns, "{\"order\": {\"id\": 5, \"to\": {\"city\": \"Oslo\"}}}");
    assertThat(row.values()).containsExactly("{\"id\":5,\"to\":{\"city\":\"Oslo\"}}", "5", "Oslo");
  }

  @Test
  void shouldNameTheColumnAndValueThatDoNotFit() {
    assertThat(convert(ALL_TYPES, "{\"id\": \"seven\"}").rejection())
        .isEqualTo("column id: \"seven\" is not a bigint");
    assertThat(convert(ALL_TYPES, "{\"id\": 1.5}").rejection())
        .isEqualTo("column id: 1.5 is not a bigint");
    assertThat(convert(ALL_TYPES, "{\"id\": 123456789012345678901234567890}").rejection())
        .startsWith("column id: 1234");
    assertThat(convert(ALL_TYPES, "{\"ok\": \"yes\"}").rejection())
        .isEqualTo("column ok: \"yes\" is not a boolean");
    assertThat(convert(ALL_TYPES, "{\"score\": [1]}").rejection())
        .isEqualTo("column score: [1] is not a double precision");
    assertThat(convert(ALL_TYPES, "[1, 2]").rejection())
        .isEqualTo("the value is not a JSON object");
    assertThat(convert(ALL_TYPES, "{\"id\": 1} trailing").rejection())
        .startsWith("the value is not JSON");
    assertThat(convert(ALL_TYPES, "{\"id\": ").rejection()).startsWith("the value is not JSON");
    assertThat(new RowConverter(MAPPER, ALL_TYPES).convert(null).rejection()).contains("no value");
  }
}
