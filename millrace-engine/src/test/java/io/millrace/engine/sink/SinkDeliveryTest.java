package io.millrace.engine.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.common.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SinkDeliveryTest {

  /**
   * A scheduler driven by the test: tasks wait until {@link #runNext} and their delays are kept.
   */
  private static final class HandScheduler implements SinkDelivery.RetryScheduler {
    final Queue<Runnable> tasks = new ArrayDeque<>();
    final List<Long> delaysMs = new ArrayList<>();

    @Override
    public void schedule(Runnable task, long delayMs) {
      tasks.add(task);
      delaysMs.add(delayMs);
    }

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }
  }

  /** A sink whose answer to attempt N (1-based) the test decides. */
  private static final class ScriptedSink implements Sink {
    final Function<Integer, CompletableFuture<SinkResult>> script;
    int calls;

    ScriptedSink(Function<Integer, CompletableFuture<SinkResult>> script) {
      this.script = script;
    }

    @Override
    public CompletableFuture<SinkResult> write(List<SinkRecord> records) {
      calls++;
      return script.apply(calls);
    }

    @Override
    public void close() {}
  }

  private static final RetryPolicy POLICY = new RetryPolicy(4, 100, 5_000);

  private static List<SinkRecord> batch(int size) {
    return IntStream.range(0, size)
        .mapToObj(
            i ->
                new SinkRecord(
                    "in",
                    0,
                    i,
                    0L,
                    null,
                    ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    List.of()))
        .toList();
  }

  private static CompletableFuture<SinkResult> retriable(String message, long retryAfterMs) {
    return CompletableFuture.failedFuture(new RetriableSinkException(message, null, retryAfterMs));
  }

  @Test
  void whenWritesFailTwice_thenTheThirdAttemptDeliversAfterJitteredBackoff() {
    HandScheduler scheduler = new HandScheduler();
    ScriptedSink sink =
        new ScriptedSink(
            n ->
                n < 3
                    ? retriable("down " + n, -1)
                    : CompletableFuture.completedFuture(SinkResult.delivered()));
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(7), scheduler);

    CompletableFuture<SinkResult> result = delivery.deliver(batch(5));
    assertThat(result).isNotDone();
    scheduler.runAll();

    assertThat(result.join().allDelivered()).isTrue();
    assertThat(sink.calls).isEqualTo(3);
    assertThat(scheduler.delaysMs).hasSize(2);
    assertThat(scheduler.delaysMs.get(0)).isBetween(0L, 100L);
    assertThat(scheduler.delaysMs.get(1)).isBetween(0L, 200L);
    assertThat(delivery.stats().attempts()).isEqualTo(3);
    assertThat(delivery.stats().retries()).isEqualTo(2);
    assertThat(delivery.stats().delivered()).isEqualTo(5);
    assertThat(delivery.stats().rejected()).isZero();
  }

  @Test
  void whenTheDestinationSaysRetryAfter_thenTheDelayIsAtLeastThatButCappedAtMaxDelay() {
    HandScheduler scheduler = new HandScheduler();
    ScriptedSink sink =
        new ScriptedSink(
            n ->
                switch (n) {
                  case 1 -> retriable("throttled", 2_000);
                  case 2 -> retriable("throttled hard", 60_000);
                  default -> CompletableFuture.completedFuture(SinkResult.delivered());
                });
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(1), scheduler);

    CompletableFuture<SinkResult> result = delivery.deliver(batch(1));
    scheduler.runAll();

    assertThat(result.join().allDelivered()).isTrue();
    assertThat(scheduler.delaysMs).containsExactly(2_000L, 5_000L);
  }

  @Test
  void whenEveryAttemptFails_thenEveryRecordIsRejectedWithTheLastError() {
    HandScheduler scheduler = new HandScheduler();
    ScriptedSink sink = new ScriptedSink(n -> retriable("connection refused #" + n, -1));
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(2), scheduler);

    CompletableFuture<SinkResult> result = delivery.deliver(batch(3));
    scheduler.runAll();

    assertThat(result.join().rejected())
        .containsExactly(
            new SinkResult.Rejected(0, "gave up after 4 attempts: connection refused #4"),
            new SinkResult.Rejected(1, "gave up after 4 attempts: connection refused #4"),
            new SinkResult.Rejected(2, "gave up after 4 attempts: connection refused #4"));
    assertThat(sink.calls).isEqualTo(4);
    assertThat(delivery.stats().batchesGivenUp()).isEqualTo(1);
    assertThat(delivery.stats().rejected()).isEqualTo(3);
  }

  @Test
  void whenTheSinkThrowsOrReturnsNull_thenThatCountsAsRetriable() {
    HandScheduler scheduler = new HandScheduler();
    ScriptedSink sink =
        new ScriptedSink(
            n -> {
              if (n == 1) {
                throw new IllegalStateException("bug in the driver");
              }
              return n == 2 ? null : CompletableFuture.completedFuture(SinkResult.delivered());
            });
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(3), scheduler);

    CompletableFuture<SinkResult> result = delivery.deliver(batch(2));
    scheduler.runAll();

    assertThat(result.join().allDelivered()).isTrue();
    assertThat(sink.calls).isEqualTo(3);
  }

  @Test
  void whenTheSinkRejectsSomeRecords_thenTheyAreReturnedWithoutRetry() {
    HandScheduler scheduler = new HandScheduler();
    SinkResult partial = new SinkResult(List.of(new SinkResult.Rejected(1, "null in NOT NULL")));
    ScriptedSink sink = new ScriptedSink(n -> CompletableFuture.completedFuture(partial));
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(4), scheduler);

    assertThat(delivery.deliver(batch(3)).join()).isEqualTo(partial);
    assertThat(scheduler.tasks).isEmpty();
    assertThat(delivery.stats().delivered()).isEqualTo(2);
    assertThat(delivery.stats().rejected()).isEqualTo(1);
  }

  @Test
  void whenClosedWhileWaitingToRetry_thenTheBatchIsCancelledNotRejected() {
    HandScheduler scheduler = new HandScheduler();
    ScriptedSink sink = new ScriptedSink(n -> retriable("down", -1));
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(5), scheduler);

    CompletableFuture<SinkResult> result = delivery.deliver(batch(2));
    delivery.close();
    scheduler.runAll();

    assertThatThrownBy(result::join).isInstanceOf(CancellationException.class);
    assertThat(sink.calls).isEqualTo(1);
  }

  @Test
  void whenFailuresAreRandom_thenEachBatchIsDeliveredOrRejectedWholeAndCountersAddUp() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    HandScheduler scheduler = new HandScheduler();
    double failureRate = 0.6;
    ScriptedSink sink =
        new ScriptedSink(
            n ->
                random.nextDouble() < failureRate
                    ? retriable("flaky", random.nextInt(3) == 0 ? random.nextInt(10_000) : -1)
                    : CompletableFuture.completedFuture(SinkResult.delivered()));
    SinkDelivery delivery = new SinkDelivery(sink, POLICY, new Random(seed), scheduler);

    long records = 0;
    long rejected = 0;
    for (int i = 0; i < 500; i++) {
      int size = 1 + random.nextInt(20);
      records += size;
      CompletableFuture<SinkResult> result = delivery.deliver(batch(size));
      scheduler.runAll();
      SinkResult outcome = result.join();
      assertThat(outcome.rejected().size()).as("seed %d", seed).isIn(0, size);
      rejected += outcome.rejected().size();
    }
    assertThat(scheduler.delaysMs).as("seed %d", seed).allMatch(d -> d >= 0 && d <= 5_000);
    assertThat(delivery.stats().delivered() + delivery.stats().rejected())
        .as("seed %d", seed)
        .isEqualTo(records);
    assertThat(delivery.stats().rejected()).as("seed %d", seed).isEqualTo(rejected);
    assertThat(delivery.stats().attempts()).as("seed %d", seed).isEqualTo(sink.calls);
    assertThat(delivery.stats().attempts() - delivery.stats().retries())
        .as("seed %d", seed)
        .isEqualTo(500);
    // 0.6^4 of the batches give up: with 500 batches some do, most do not.
    assertThat(delivery.stats().batchesGivenUp()).as("seed %d", seed).isBetween(20L, 200L);
  }
}
