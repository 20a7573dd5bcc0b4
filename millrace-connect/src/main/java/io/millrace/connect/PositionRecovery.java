package io.millrace.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls a source's stored checkpoint forward to what the log really holds. A source appends a page
 * of records first and writes its checkpoint after; a crash in between leaves pages in the topic
 * that the checkpoint does not include. Each such record carries {@link SourceHeaders}, and the
 * checkpoint holds the topic's end offsets at the time it was written, so the pages written since
 * can only lie at or after those offsets: this class reads the topic from there, collects the
 * source's pages, and applies the complete ones in sequence order (their cursor and ids).
 *
 * <p>Why that is exact: a runner never starts a page before the previous one is stored whole, so at
 * most the last page found can be incomplete, and a page's records for one partition are one atomic
 * append. A complete page was written and is applied (no duplicate when the source goes on from its
 * cursor); an incomplete page is ignored and fetched again. An incomplete page can only exist when
 * its records span partitions and the process died between those appends; re-fetching it then
 * writes again the part that was stored (see docs/sources.md).
 *
 * <p>Stateless apart from its arguments; runs on the source's runner thread.
 */
final class PositionRecovery {

  private static final Logger LOG = LoggerFactory.getLogger(PositionRecovery.class);

  private PositionRecovery() {}

  /** What a source's pages found in the topic add to its checkpoint. */
  record Recovered(long sequence, JsonNode cursor, List<String> newIds, int pagesApplied) {}

  private static final class Page {
    int count;
    final BitSet found = new BitSet();
    JsonNode cursor;
    final List<String> ids = new ArrayList<>();
  }

  static Recovered rollForward(
      String sourceName,
      SourceCheckpoint checkpoint,
      List<PartitionLog> partitions,
      ObjectMapper mapper) {
    TreeMap<Long, Page> pages = new TreeMap<>();
    for (int p = 0; p < partitions.size(); p++) {
      long from = checkpoint.endOffsets().getOrDefault(p, 0L);
      SourcePositionStore.scan(
          partitions.get(p),
          from,
          record -> collect(sourceName, checkpoint, record, pages, mapper));
    }
    long sequence = checkpoint.sequence();
    JsonNode cursor = checkpoint.cursor();
    List<String> ids = new ArrayList<>();
    int applied = 0;
    for (Map.Entry<Long, Page> entry : pages.entrySet()) {
      Page page = entry.getValue();
      if (page.found.cardinality() != page.count || page.cursor == null) {
        LOG.warn(
            "source {}: page {} is incomplete in the log ({} of {} records); it is fetched again",
            sourceName,
            entry.getKey(),
            page.found.cardinality(),
            page.count);
        break;
      }
      sequence = entry.getKey();
      cursor = page.cursor;
      ids.addAll(page.ids);
      applied++;
    }
    if (applied > 0) {
      LOG.info(
          "source {}: rolled its position forward over {} page(s) written after its last"
              + " checkpoint, to page {}",
          sourceName,
          applied,
          sequence);
    }
    return new Recovered(sequence, cursor, ids, applied);
  }

  private static void collect(
      String sourceName,
      SourceCheckpoint checkpoint,
      LogRecord record,
      TreeMap<Long, Page> pages,
      ObjectMapper mapper) {
    SourceHeaders.PageMark mark = SourceHeaders.parse(record);
    if (mark == null
        || !mark.source().equals(sourceName)
        || mark.sequence() <= checkpoint.sequence()) {
      return;
    }
    Page page = pages.computeIfAbsent(mark.sequence(), s -> new Page());
    if (mark.index() < 0 || mark.index() >= mark.count()) {
      return; // not a header a runner wrote
    }
    page.count = mark.count();
    page.found.set(mark.index());
    if (mark.id() != null) {
      page.ids.add(mark.id());
    }
    if (mark.cursor() != null) {
      try {
        page.cursor = mapper.readTree(mark.cursor());
      } catch (IOException e) {
        LOG.warn("source {}: unreadable cursor on page {}", sourceName, mark.sequence());
      }
    }
  }
}
