package io.millrace.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonEncoderTest {

  private final JsonEncoder encoder = new JsonEncoder();

  private String encode(Object value) {
    return new String(encoder.encode(value), StandardCharsets.UTF_8);
  }

  @Test
  void shouldWriteEveryKindOfValueCompactly() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("s", "a\"b\\c\n\t\u0001é€😀");
    value.put("l", 42L);
    value.put("d", 1.5);
    value.put("b", true);
    value.put("n", null);
    value.put("list", List.of(1L, "x", Map.of()));
    value.put("nan", Double.NaN);
    assertThat(encode(value))
        .isEqualTo(
            "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001é€😀\",\"l\":42,\"d\":1.5,\"b\":true,\"n\":null,"
                + "\"list\":[1,\"x\",{}],\"nan\":\"NaN\"}");
  }

  @Test
  void shouldRoundTripRandomDocumentsThroughAJsonParser() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      Object value = randomValue(random, 0);
      byte[] json = encoder.encode(value);
      assertThat(Values.decodeJson(json)).isEqualTo(normalized(value));
      mapper.readTree(json); // valid JSON for another parser too
    }
  }

  private static Object normalized(Object value) {
    return value; // the model's types survive a round trip unchanged
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 3 ? 5 : 7);
    return switch (kind) {
      case 0 -> null;
      case 1 -> random.nextLong();
      case 2 -> random.nextDouble() * 1e6;
      case 3 -> random.nextBoolean();
      case 4 -> randomString(random);
      case 5 -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = random.nextInt(5); i > 0; i--) {
          map.put(randomString(random), randomValue(random, depth + 1));
        }
        yield map;
      }
      default -> {
        List<Object> list = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
          list.add(randomValue(random, depth + 1));
        }
        yield list;
      }
    };
  }

  private static String randomString(Random random) {
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(12); i > 0; i--) {
      int pick = random.nextInt(10);
      if (pick < 5) {
        text.append((char) ('a' + random.nextInt(26)));
      } else if (pick < 7) {
        text.append((char) random.nextInt(0x20));
      } else if (pick < 8) {
        text.append("\"\\/".charAt(random.nextInt(3)));
      } else if (pick < 9) {
        text.append((char) (0x80 + random.nextInt(0xd000)));
      } else {
        text.appendCodePoint(0x10000 + random.nextInt(0x1000));
      }
    }
    return text.toString();
  }
}
