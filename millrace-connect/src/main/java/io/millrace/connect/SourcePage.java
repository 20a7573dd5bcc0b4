package io.millrace.connect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What one fetch returned: the items in order, the cursor to fetch from next (the source's whole
 * resumable state, as small JSON), and whether more is available at once (another page) or the
 * source has caught up and should wait for its interval.
 */
public record SourcePage(List<SourceItem> items, JsonNode cursorAfter, boolean more) {

  public SourcePage {
    items = List.copyOf(items);
  }
}
