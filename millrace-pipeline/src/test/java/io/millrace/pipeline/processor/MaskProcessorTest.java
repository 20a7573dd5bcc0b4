package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class MaskProcessorTest {

  private static final String SECRET = "a-test-secret-of-32-characters!!";

  private final Processor mask =
      processor(
          """
          - mask:
              fields:
                - field: card
                  mode: keep_last
                  keep: 4
                - field: password
                - field: user.email
                  mode: hash
                  secret: "%s"
                - field: ssn
                  mode: remove
                - field: pin
                  mode: fixed
                  replacement: "#"
          """
              .formatted(SECRET));

  @Test
  void shouldMaskEachFieldByItsRule() throws Exception {
    Object out =
        value(
            apply(
                mask,
                json(
                    "{\"card\": \"4111111111111111\", \"password\": \"hunter2\", \"user\":"
                        + " {\"email\": \"ann@example.com\"}, \"ssn\": \"123\", \"pin\": 1234}")));
    assertThat(out)
        .isEqualTo(
            Map.of(
                "card", "************1111",
                "password", "****",
                "user", Map.of("email", hmac("ann@example.com")),
                "pin", "#"));
  }

  @Test
  void shouldLeaveAbsentFieldsAbsent() {
    assertThat(value(apply(mask, json("{\"other\": 1}")))).isEqualTo(Map.of("other", 1L));
  }

  @Test
  void shouldKeepShortValuesWhole() {
    assertThat(MaskProcessor.keepLast("12", 4, '*')).isEqualTo("12");
    assertThat(MaskProcessor.keepLast("12345", 4, 'x')).isEqualTo("x2345");
  }

  private static String hmac(String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }
}
