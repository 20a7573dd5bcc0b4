package io.millrace.connect.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/** The JSON written for Debezium's Structs: every Connect type, and the envelope's fields. */
class ChangeEventJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final Schema ROW =
      SchemaBuilder.struct()
          .field("id", Schema.INT32_SCHEMA)
          .field("big", Schema.OPTIONAL_INT64_SCHEMA)
          .field("ratio", Schema.OPTIONAL_FLOAT64_SCHEMA)
          .field("flag", Schema.OPTIONAL_BOOLEAN_SCHEMA)
          .field("name", Schema.OPTIONAL_STRING_SCHEMA)
          .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
          .field("price", Decimal.builder(2).optional().build())
          .field("at", Timestamp.builder().optional().build())
          .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
          .field(
              "attrs",
              SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).optional().build())
          .build();

  private static final Schema SOURCE =
      SchemaBuilder.struct()
          .field("lsn", Schema.INT64_SCHEMA)
          .field("txId", Schema.INT64_SCHEMA)
          .field("ts_ms", Schema.INT64_SCHEMA)
          .build();

  private static final Schema ENVELOPE =
      SchemaBuilder.struct()
          .field("before", SchemaBuilder.struct().optional().build())
          .field("after", ROW)
          .field("source", SOURCE)
          .field("op", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.INT64_SCHEMA)
          .build();

  @Test
  void shouldWriteEveryConnectTypeAndTheEnvelopeFields() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    int id = random.nextInt();
    long big = random.nextLong();
    byte[] blob = new byte[random.nextInt(20)];
    random.nextBytes(blob);
    String name = "naïve \"quoted\" \n" + random.nextInt();
    Struct row =
        new Struct(ROW)
            .put("id", id)
            .put("big", big)
            .put("ratio", 0.25)
            .put("flag", true)
            .put("name", name)
            .put("blob", blob)
            .put("price", new BigDecimal("12345678901234567890.25"))
            .put("at", new Date(1_700_000_000_123L))
            .put("tags", List.of("a", "b"))
            .put("attrs", Map.of("k", 7));
    Struct envelope =
        new Struct(ENVELOPE)
            .put("after", row)
            .put("source", new Struct(SOURCE).put("lsn", 42L).put("txId", 7L).put("ts_ms", 99L))
            .put("op", "c")
            .put("ts_ms", 100L);

    JsonNode json = MAPPER.readTree(new ChangeEventJson().envelopeToJson(envelope));

    assertThat(json.path("op").asText()).as("seed %d", seed).isEqualTo("c");
    assertThat(json.path("before").isNull()).isTrue();
    assertThat(json.path("source").path("lsn").asLong()).isEqualTo(42);
    assertThat(json.path("source").path("txId").asLong()).isEqualTo(7);
    assertThat(json.path("ts_ms").asLong()).isEqualTo(100);
    JsonNode after = json.path("after");
    assertThat(after.path("id").asInt()).as("seed %d", seed).isEqualTo(id);
    assertThat(after.path("big").asLong()).as("seed %d", seed).isEqualTo(big);
    assertThat(after.path("ratio").asDouble()).isEqualTo(0.25);
    assertThat(after.path("flag").asBoolean()).isTrue();
    assertThat(after.path("name").asText()).isEqualTo(name);
    assertThat(after.path("blob").binaryValue()).isEqualTo(blob);
    assertThat(after.path("price").asText())
        .as("decimals exact, as text")
        .isEqualTo("12345678901234567890.25");
    assertThat(after.path("at").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
    assertThat(after.path("tags").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(after.path("attrs").path("k").asInt()).isEqualTo(7);
  }

  @Test
  void shouldWriteAKeyAsItsColumnsAndNullAsNull() {
    Schema keySchema = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build();
    ChangeEventJson json = new ChangeEventJson();
    assertThat(
            new String(
                json.toJson(keySchema, new Struct(keySchema).put("id", 5L)),
                StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":5}");
    assertThat(json.toJson(null, null)).isNull();
  }

  @Test
  void shouldMapDebeziumTopicsToTheConfiguredTopicsAndSkipOthers() {
    CdcSourceConfig base = CdcSourceConfig.of("s", "h", 5432, "d", "u", "", "shop");
    ChangeEventWriter writer = new ChangeEventWriter(base, null, null, java.time.Clock.systemUTC());
    assertThat(writer.targetTopic("shop.public.orders")).isEqualTo("shop.public.orders");
    assertThat(writer.targetTopic("shop.my schema.order$s")).isEqualTo("shop.my_schema.order_s");
    assertThat(writer.targetTopic("__debezium-heartbeat.shop")).isNull();
    assertThat(writer.targetTopic("shop.transaction")).isNull();
    assertThat(writer.targetTopic("other.public.orders")).isNull();
  }
}
