package io.millrace.connect.http;

import io.millrace.connect.ConfigProblem;
import java.util.List;

/**
 * How an HTTP polling source finds the next page.
 *
 * @param mode none (one request per poll), next-link or cursor
 * @param nextLinkPointer NEXT_LINK: JSON pointer to the next page's URL in the response (absolute,
 *     or relative to the request's URL); absent, null or empty means the last page
 * @param cursorPointer CURSOR: JSON pointer to the next cursor in the response
 * @param cursorParameter CURSOR: the query parameter that carries the cursor in the request
 */
public record Pagination(
    Mode mode, String nextLinkPointer, String cursorPointer, String cursorParameter) {

  public static final Pagination NONE = new Pagination(Mode.NONE, null, null, null);

  /** The pagination style. */
  public enum Mode {
    /** Every poll fetches the URL once; new items are told apart by id or the response by ETag. */
    NONE,
    /** Every poll starts at the URL and follows next links to the last page; de-duplicate by id. */
    NEXT_LINK,
    /**
     * The response names a cursor; the next request sends it back, so the source never restarts
     * from the beginning.
     */
    CURSOR
  }

  public static Pagination nextLink(String pointer) {
    return new Pagination(Mode.NEXT_LINK, pointer, null, null);
  }

  public static Pagination cursor(String pointer, String parameter) {
    return new Pagination(Mode.CURSOR, null, pointer, parameter);
  }

  void validate(List<ConfigProblem> problems) {
    if (mode == null) {
      problems.add(new ConfigProblem("pagination.mode", "must be none, next-link or cursor"));
      return;
    }
    if (mode == Mode.NEXT_LINK) {
      HttpPollingSourceConfig.checkPointer("pagination.nextLinkPointer", nextLinkPointer, problems);
    }
    if (mode == Mode.CURSOR) {
      HttpPollingSourceConfig.checkPointer("pagination.cursorPointer", cursorPointer, problems);
      if (cursorParameter == null || !cursorParameter.matches("[A-Za-z0-9._~-]{1,100}")) {
        problems.add(
            new ConfigProblem(
                "pagination.cursorParameter",
                "must be a query parameter name of 1 to 100 URL-safe characters"));
      }
    }
  }
}
