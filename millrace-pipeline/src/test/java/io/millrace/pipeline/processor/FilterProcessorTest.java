package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.failed;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.values;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FilterProcessorTest {

  private final Processor bids = processor("- filter: value.price > 100 && value.auction % 2 == 0");

  @Test
  void shouldKeepRecordsWhoseConditionIsTrue() {
    assertThat(values(apply(bids, json("{\"price\": 150, \"auction\": 4}")))).hasSize(1);
  }

  @Test
  void shouldDropRecordsWhoseConditionIsFalse() {
    assertThat(values(apply(bids, json("{\"price\": 150, \"auction\": 3}")))).isEmpty();
    assertThat(values(apply(bids, json("{\"price\": 99, \"auction\": 4}")))).isEmpty();
  }

  @Test
  void shouldCompareDecimalsWithIntegers() {
    assertThat(values(apply(bids, json("{\"price\": 100.5, \"auction\": 2}")))).hasSize(1);
  }

  @Test
  void shouldSendARecordWithoutTheFieldToTheDeadLetters() {
    assertThat(failed(apply(bids, json("{\"auction\": 2}"))).reasons().get(0))
        .contains("value.price > 100");
  }

  @Test
  void shouldSeeMetadataVariables() {
    Processor metadata =
        processor(
            "- filter: topic == 'in' && partition == 2 && offset == 42 && key == 'k1'"
                + " && headers['trace'] == 't-9' && timestamp > timestamp('2023-01-01T00:00:00Z')");
    assertThat(values(apply(metadata, json("{}")))).hasSize(1);
  }

  @Test
  void shouldTreatAMissingKeyAsNull() {
    Processor noKey = processor("- filter: key == null");
    assertThat(values(apply(noKey, json("{}").withKey(null)))).hasSize(1);
    assertThat(values(apply(noKey, json("{}")))).isEmpty();
  }
}
