package io.millrace.connect.sink.http;

import io.millrace.common.Clock;
import io.millrace.engine.sink.RetriableSinkException;
import io.millrace.engine.sink.Sink;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.pipeline.definition.HttpOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Sends records to an HTTP endpoint: in {@code batch} mode one request per write whose body is a
 * JSON array of the record values; in {@code record} mode one request per record, in order, whose
 * body is the value.
 *
 * <p>Answers: 2xx delivered; 408, 429 and 5xx, timeouts and I/O errors fail the write with {@link
 * RetriableSinkException} carrying the {@code Retry-After} hint (seconds or an HTTP date); any
 * other status rejects (the whole batch in batch mode, the one record in record mode) with the
 * status and the start of the response body. Delivery is at least once: a retried write sends again
 * what the endpoint may already have received (in record mode, a retry of the same batch resumes
 * after the last record the endpoint accepted, so only the failed request repeats).
 *
 * <p>Threading: one write at a time (the {@link Sink} contract); requests run on the shared {@link
 * HttpClient}'s executor; the resume state is only touched by the write in flight.
 */
public final class WebhookSink implements Sink {

  /** How much of a response body is read (the rest is discarded with the connection). */
  private static final int MAX_BODY_BYTES = 4096;

  /** How much of an error response body a rejection reason quotes. */
  private static final int MAX_REASON_BODY_CHARS = 200;

  private final HttpOutput output;
  private final HttpClient client;
  private final Clock clock;
  private final URI uri;
  private final String authorization;

  /** Record mode: the batch last written, how far it got, and what was rejected of it. */
  private List<SinkRecord> resumeBatch;

  private int resumeNext;
  private List<SinkResult.Rejected> resumeRejected = List.of();

  public WebhookSink(HttpOutput output, HttpClient client, Clock clock) {
    this.output = output;
    this.client = client;
    this.clock = clock;
    this.uri = URI.create(output.url());
    this.authorization =
        switch (output.auth()) {
          case null -> null;
          case HttpOutput.Auth.Bearer bearer -> "Bearer " + bearer.token();
          case HttpOutput.Auth.Basic basic ->
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString(
                          (basic.user() + ":" + basic.password()).getBytes(StandardCharsets.UTF_8));
        };
  }

  @Override
  public CompletableFuture<SinkResult> write(List<SinkRecord> records) {
    if (records.isEmpty()) {
      return CompletableFuture.completedFuture(SinkResult.delivered());
    }
    if (output.mode() == HttpOutput.Mode.BATCH) {
      return send(batchBody(records))
          .thenApply(
              rejection -> {
                if (rejection == null) {
                  return SinkResult.delivered();
                }
                List<SinkResult.Rejected> all = new ArrayList<>(records.size());
                for (int i = 0; i < records.size(); i++) {
                  all.add(new SinkResult.Rejected(i, rejection));
                }
                return new SinkResult(all);
              });
    }
    if (records != resumeBatch) {
      resumeBatch = records;
      resumeNext = 0;
      resumeRejected = new ArrayList<>();
    }
    return sendFrom(records);
  }

  /** Record mode: sends records from {@link #resumeNext} on, one request at a time. */
  private CompletableFuture<SinkResult> sendFrom(List<SinkRecord> records) {
    if (resumeNext == records.size()) {
      SinkResult result = new SinkResult(resumeRejected);
      resumeBatch = null;
      return CompletableFuture.completedFuture(result);
    }
    byte[] value = records.get(resumeNext).value();
    return send(value == null ? "null".getBytes(StandardCharsets.UTF_8) : value)
        .thenCompose(
            rejection -> {
              if (rejection != null) {
                resumeRejected.add(new SinkResult.Rejected(resumeNext, rejection));
              }
              resumeNext++;
              return sendFrom(records);
            });
  }

  private static byte[] batchBody(List<SinkRecord> records) {
    int size = 2;
    for (SinkRecord record : records) {
      size += (record.value() == null ? 4 : record.value().length) + 1;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(size);
    body.write('[');
    for (int i = 0; i < records.size(); i++) {
      if (i > 0) {
        body.write(',');
      }
      byte[] value = records.get(i).value();
      body.writeBytes(value == null ? "null".getBytes(StandardCharsets.UTF_8) : value);
    }
    body.write(']');
    return body.toByteArray();
  }

  /**
   * One request: completes with null when delivered, a rejection reason for a permanent refusal, or
   * exceptionally with {@link RetriableSinkException}.
   */
  private CompletableFuture<String> send(byte[] body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofMillis(output.timeoutMs()))
            .header("Content-Type", "application/json")
            .method(output.method(), HttpRequest.BodyPublishers.ofByteArray(body));
    output.headers().forEach(request::setHeader);
    if (authorization != null) {
      request.setHeader("Authorization", authorization);
    }
    return client
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream())
        .handle(
            (response, failure) -> {
              if (failure != null) {
                Throwable cause =
                    failure instanceof CompletionException ? failure.getCause() : failure;
                throw new CompletionException(
                    new RetriableSinkException(
                        output.method() + " " + uri + " failed: " + cause, cause));
              }
              return outcome(response);
            });
  }

  private String outcome(HttpResponse<InputStream> response) {
    String body = bodyStart(response.body());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return null;
    }
    String reason = output.method() + " " + uri + " answered HTTP " + status + body;
    if (status == 408 || status == 429 || status >= 500) {
      long retryAfterMs =
          response.headers().firstValue("Retry-After").map(this::retryAfterMs).orElse(-1L);
      throw new CompletionException(new RetriableSinkException(reason, null, retryAfterMs));
    }
    return reason;
  }

  /**
   * Reads at most {@link #MAX_BODY_BYTES} of a response body (an endpoint's answer is bounded like
   * everything else) and closes it; ": " and the stripped start of the body for a reason, or "".
   */
  private static String bodyStart(InputStream body) {
    String text;
    try (InputStream in = body) {
      text = new String(in.readNBytes(MAX_BODY_BYTES), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
    if (text.isEmpty()) {
      return "";
    }
    return ": "
        + (text.length() <= MAX_REASON_BODY_CHARS
            ? text
            : text.substring(0, MAX_REASON_BODY_CHARS) + "...");
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date; -1 when unreadable. */
  long retryAfterMs(String value) {
    String text = value.strip();
    try {
      return Math.max(0, Long.parseLong(text)) * 1000;
    } catch (NumberFormatException notSeconds) {
      try {
        long atMs =
            ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME)
                .toInstant()
                .toEpochMilli();
        return Math.max(0, atMs - clock.millis());
      } catch (DateTimeParseException notADate) {
        return -1;
      }
    }
  }

  @Override
  public void close() {
    // The HttpClient is shared by all webhook sinks and owned by the factory.
  }
}
