package io.millrace.connect;

import io.millrace.log.format.LogRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The headers every record written by a source carries, so that the log itself says how far a
 * source got (see {@link PositionRecovery}):
 *
 * <pre>
 *  millrace-source         the source's name (UTF-8)
 *  millrace-source-page    "SEQUENCE INDEX COUNT": the page's sequence number, the record's index
 *                          in the page and the page's record count (ASCII decimal)
 *  millrace-source-cursor  on the page's last record only: the cursor after the page (JSON)
 *  millrace-source-id      the item's id, when the source de-duplicates (UTF-8)
 * </pre>
 *
 * The cursor rides on one record per page, not on each, to keep records small; a page counts as
 * written only when all COUNT records are found, and then its last record is among them.
 */
final class SourceHeaders {

  static final String SOURCE = "millrace-source";
  static final String PAGE = "millrace-source-page";
  static final String CURSOR = "millrace-source-cursor";
  static final String ID = "millrace-source-id";

  private SourceHeaders() {}

  /** The page header of one record, parsed; null if the record is not from a source. */
  record PageMark(String source, long sequence, int index, int count, byte[] cursor, String id) {}

  static PageMark parse(LogRecord record) {
    String source = null;
    String page = null;
    byte[] cursor = null;
    String id = null;
    List<LogRecord.Header> headers = record.headers();
    for (LogRecord.Header header : headers) {
      if (header.value() == null) {
        continue;
      }
      switch (header.key()) {
        case SOURCE -> source = new String(header.value(), StandardCharsets.UTF_8);
        case PAGE -> page = new String(header.value(), StandardCharsets.US_ASCII);
        case CURSOR -> cursor = header.value();
        case ID -> id = new String(header.value(), StandardCharsets.UTF_8);
        default -> {}
      }
    }
    if (source == null || page == null) {
      return null;
    }
    String[] parts = page.split(" ");
    if (parts.length != 3) {
      return null;
    }
    try {
      return new PageMark(
          source,
          Long.parseLong(parts[0]),
          Integer.parseInt(parts[1]),
          Integer.parseInt(parts[2]),
          cursor,
          id);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static byte[] pageValue(long sequence, int index, int count) {
    return (sequence + " " + index + " " + count).getBytes(StandardCharsets.US_ASCII);
  }
}
