package io.millrace.connect;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A source that is polled: given the cursor where the last page ended, it fetches the next page. It
 * knows nothing of topics, positions, retries or scheduling; {@link SourceRunner} does those.
 *
 * <p>Threading: {@link #fetch} is called by one thread at a time (the source's runner).
 */
public interface PollingSource extends AutoCloseable {

  /** The source's name: unique, it keys the source's position. */
  String name();

  /** The cursor a source starts from when it has no position yet. */
  JsonNode initialCursor();

  /**
   * Fetches the page after {@code cursor}.
   *
   * @throws FetchException when the external system failed or answered something unusable
   */
  SourcePage fetch(JsonNode cursor) throws FetchException;

  @Override
  default void close() {}
}
