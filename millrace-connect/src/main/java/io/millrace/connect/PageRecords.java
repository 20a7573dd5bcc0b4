package io.millrace.connect;

import io.millrace.log.format.LogRecord;
import io.millrace.log.write.WriteRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one page of items into the records a source writes: the item's key and value, placed by
 * key, with the {@link SourceHeaders} that let {@link PositionRecovery} find the page again.
 * Stateless.
 */
final class PageRecords {

  private PageRecords() {}

  static List<WriteRecord> build(
      String sourceName, long pageSequence, List<SourceItem> items, byte[] cursorAfterJson) {
    byte[] name = sourceName.getBytes(StandardCharsets.UTF_8);
    List<WriteRecord> records = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      SourceItem item = items.get(i);
      List<LogRecord.Header> headers = new ArrayList<>(4);
      headers.add(new LogRecord.Header(SourceHeaders.SOURCE, name));
      headers.add(
          new LogRecord.Header(
              SourceHeaders.PAGE, SourceHeaders.pageValue(pageSequence, i, items.size())));
      if (i == items.size() - 1) {
        headers.add(new LogRecord.Header(SourceHeaders.CURSOR, cursorAfterJson));
      }
      if (item.id() != null) {
        headers.add(
            new LogRecord.Header(SourceHeaders.ID, item.id().getBytes(StandardCharsets.UTF_8)));
      }
      records.add(
          new WriteRecord(
              WriteRecord.ANY_PARTITION, item.key(), item.value(), headers, WriteRecord.NOW));
    }
    return records;
  }
}
