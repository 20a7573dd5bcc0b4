package io.millrace.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.pipeline.definition.FieldPath;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValuesEditTest {

  private static FieldPath path(String text) {
    return FieldPath.parseOrNull(text);
  }

  private static Map<String, Object> user() {
    Map<String, Object> address = new LinkedHashMap<>();
    address.put("city", "Lyon");
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("name", "ada");
    root.put("address", address);
    root.put("age", 36L);
    return root;
  }

  @Test
  void shouldLeaveTheOriginalAloneAndMakeEveryChange() {
    Map<String, Object> original = user();
    Map<String, Object> before = deepCopy(original);

    Map<String, Object> result =
        new Values.Edit(original)
            .set(path("address.zip"), "69001")
            .set(path("address.city"), "Paris")
            .remove(path("age"))
            .set(path("tags.first"), "x")
            .result();

    assertThat(original).isEqualTo(before);
    assertThat(result)
        .isEqualTo(
            Map.of(
                "name", "ada",
                "address", Map.of("city", "Paris", "zip", "69001"),
                "tags", Map.of("first", "x")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> value) {
    try {
      return (Map<String, Object>) Values.decodeJson(new JsonEncoder().encode(value));
    } catch (Values.BadDataException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shouldReturnTheOriginalWhenNothingChanges() {
    Map<String, Object> original = user();
    assertThat(new Values.Edit(original).remove(path("missing.field")).result()).isSameAs(original);
  }

  @Test
  void shouldReplaceANonMapOnThePath() {
    Map<String, Object> result = new Values.Edit(user()).set(path("name.first"), "ada").result();
    assertThat(result.get("name")).isEqualTo(Map.of("first", "ada"));
  }
}
