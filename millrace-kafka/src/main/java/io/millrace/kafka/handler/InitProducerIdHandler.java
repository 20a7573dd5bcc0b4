package io.millrace.kafka.handler;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * InitProducerId for idempotent producers: a fresh producer id at epoch 0. Transactional ids are
 * refused until transactions are supported.
 */
public final class InitProducerIdHandler implements ApiHandler {

  private final ProducerIdAllocator allocator;

  public InitProducerIdHandler(ProducerIdAllocator allocator) {
    this.allocator = allocator;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    InitProducerIdRequestData data = ((InitProducerIdRequest) request).data();
    InitProducerIdResponseData response = new InitProducerIdResponseData();
    if (data.transactionalId() != null) {
      response.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
      return CompletableFuture.completedFuture(new InitProducerIdResponse(response));
    }
    try {
      response.setProducerId(allocator.nextId()).setProducerEpoch((short) 0);
    } catch (IOException e) {
      response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
    }
    return CompletableFuture.completedFuture(new InitProducerIdResponse(response));
  }
}
