package io.millrace.kafka.handler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.Test;

class ApiVersionsHandlerTest {

  /**
   * librdkafka sends gzip, snappy and lz4 batches uncompressed unless Produce v0 is listed; Kafka 4
   * brokers list it for that reason (KAFKA-18659). KcatTest checks the codecs on disk.
   */
  @Test
  void shouldAdvertiseProduceFromVersionZeroAndOtherApisFromTheirOldestVersion() throws Exception {
    ApiVersionsHandler handler = new ApiVersionsHandler(Set.of(ApiKeys.PRODUCE, ApiKeys.FETCH));
    ApiVersionsResponse response =
        (ApiVersionsResponse)
            handler
                .handle(null, new ApiVersionsRequest.Builder().build((short) 3))
                .get(10, TimeUnit.SECONDS);

    ApiVersionsResponseData.ApiVersion produce = response.apiVersion(ApiKeys.PRODUCE.id);
    assertThat(produce.minVersion()).isZero();
    assertThat(produce.maxVersion()).isEqualTo(ApiKeys.PRODUCE.latestVersion());
    ApiVersionsResponseData.ApiVersion fetch = response.apiVersion(ApiKeys.FETCH.id);
    assertThat(fetch.minVersion()).isEqualTo(ApiKeys.FETCH.oldestVersion());
  }
}
