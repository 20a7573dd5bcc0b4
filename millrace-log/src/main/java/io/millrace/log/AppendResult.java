package io.millrace.log;

import java.util.concurrent.CompletableFuture;

/**
 * What an append did. When {@code status} is OK the records hold offsets {@code baseOffset} to
 * {@code lastOffset} and are readable; {@code durable} completes when they are as durable as the
 * topic's flush policy promises (immediately for {@code os} and {@code every-batch}), or completes
 * exceptionally with a {@link StorageException} if the fsync failed.
 */
public record AppendResult(
    AppendStatus status,
    String message,
    long baseOffset,
    long lastOffset,
    long logAppendTimeMs,
    long logStartOffset,
    int recordCount,
    CompletableFuture<Void> durable) {

  static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  static AppendResult failed(AppendStatus status, String message) {
    return new AppendResult(status, message, -1, -1, -1, -1, 0, DONE);
  }

  public boolean isOk() {
    return status == AppendStatus.OK;
  }
}
