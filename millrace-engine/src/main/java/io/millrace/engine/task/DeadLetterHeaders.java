package io.millrace.engine.task;

import io.millrace.log.format.LogRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The headers a dead letter carries on top of the record's own, so an operator can see what failed
 * and {@code millrace dlq replay} can send it back where it came from. All start with {@link
 * #PREFIX}; replay removes exactly those.
 */
public final class DeadLetterHeaders {

  public static final String PREFIX = "millrace.dlq.";
  public static final String PIPELINE = PREFIX + "pipeline";
  public static final String STEP = PREFIX + "processor";
  public static final String ERROR_CLASS = PREFIX + "error.class";
  public static final String ERROR_MESSAGE = PREFIX + "error.message";
  public static final String SOURCE_TOPIC = PREFIX + "source.topic";
  public static final String SOURCE_PARTITION = PREFIX + "source.partition";
  public static final String SOURCE_OFFSET = PREFIX + "source.offset";
  public static final String TIME = PREFIX + "time";

  /** Longest error message kept in a header; longer ones are cut with an ellipsis. */
  public static final int MAX_MESSAGE_CHARS = 4_000;

  private DeadLetterHeaders() {}

  /** The record's own headers followed by the dead-letter headers. */
  static List<LogRecord.Header> of(
      DeadLetter letter, String pipeline, String sourceTopic, int sourcePartition, long nowMs) {
    List<LogRecord.Header> headers = new ArrayList<>(letter.headers().size() + 8);
    headers.addAll(letter.headers());
    headers.add(header(PIPELINE, pipeline));
    headers.add(header(STEP, letter.step()));
    headers.add(header(ERROR_CLASS, letter.errorClass()));
    headers.add(header(ERROR_MESSAGE, shorten(letter.message())));
    headers.add(header(SOURCE_TOPIC, sourceTopic));
    headers.add(header(SOURCE_PARTITION, Integer.toString(sourcePartition)));
    headers.add(header(SOURCE_OFFSET, Long.toString(letter.sourceOffset())));
    headers.add(header(TIME, Long.toString(nowMs)));
    return headers;
  }

  /** The headers without the dead-letter ones: what the record carried before it failed. */
  public static List<LogRecord.Header> withoutDeadLetterHeaders(List<LogRecord.Header> headers) {
    List<LogRecord.Header> kept = new ArrayList<>(headers.size());
    for (LogRecord.Header header : headers) {
      if (!header.key().startsWith(PREFIX)) {
        kept.add(header);
      }
    }
    return kept;
  }

  /** The UTF-8 value of the last header named {@code key}, or null. */
  public static String value(List<LogRecord.Header> headers, String key) {
    for (int i = headers.size() - 1; i >= 0; i--) {
      LogRecord.Header header = headers.get(i);
      if (header.key().equals(key)) {
        return header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static LogRecord.Header header(String key, String value) {
    return new LogRecord.Header(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  private static String shorten(String message) {
    if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
      return message;
    }
    return message.substring(0, MAX_MESSAGE_CHARS - 1) + "…";
  }
}
