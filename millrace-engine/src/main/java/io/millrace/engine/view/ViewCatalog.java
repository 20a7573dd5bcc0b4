package io.millrace.engine.view;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The views of a Millrace instance, as the pipeline runtime sees them: it calls {@link #ensureView}
 * when it deploys a pipeline with a {@code view:} output, then appends that output's records to
 * {@link #changelogTopic(String)} of the view through the log's {@code TopicWriter}: key = the
 * record key (UTF-8), value = the JSON document (UTF-8), null value = delete. Records without a key
 * cannot be upserted; the runtime sends them to the dead-letter topic (the index skips any it
 * finds).
 *
 * <p>The changelog topic is the view: the serving layer indexes it into a local store it can always
 * rebuild from the topic, so nothing else has to be written or recovered.
 *
 * <p>Threading: implementations are thread-safe.
 */
public interface ViewCatalog {

  /** Every view's changelog topic starts with this: a view is a topic named by this rule. */
  String CHANGELOG_PREFIX = "__view.";

  /** The longest view name: the prefix plus the name stays within Kafka's 249 characters. */
  int MAX_NAME_LENGTH = 200;

  /**
   * Letters, digits, '_' and '-': a valid topic name once prefixed, a single URL path segment and a
   * single directory name (no '.', so never "." or "..").
   */
  Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_NAME_LENGTH + "}");

  /**
   * Creates the view's compacted changelog topic if it is missing, records its time to live and
   * starts indexing it. Idempotent; a later call with another {@code ttlMs} replaces the TTL.
   *
   * @param ttlMs rows whose record timestamp is older than this read as absent; 0 = no TTL
   * @throws IllegalArgumentException for an invalid name ({@link #nameProblem}) or a negative TTL
   */
  void ensureView(String view, long ttlMs);

  /** The changelog topic of a view: {@code __view.NAME}. */
  static String changelogTopic(String view) {
    String problem = nameProblem(view);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return CHANGELOG_PREFIX + view;
  }

  /** The view whose changelog this topic is, if the topic follows the naming rule. */
  static Optional<String> viewOf(String topic) {
    if (topic == null || !topic.startsWith(CHANGELOG_PREFIX)) {
      return Optional.empty();
    }
    String view = topic.substring(CHANGELOG_PREFIX.length());
    return nameProblem(view) == null ? Optional.of(view) : Optional.empty();
  }

  /** Why this is not a valid view name, or null if it is. */
  static String nameProblem(String view) {
    if (view == null || !NAME.matcher(view).matches()) {
      return "invalid view name '"
          + view
          + "': use 1 to "
          + MAX_NAME_LENGTH
          + " characters from a-z A-Z 0-9 _ -";
    }
    return null;
  }
}
