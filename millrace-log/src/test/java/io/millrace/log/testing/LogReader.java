package io.millrace.log.testing;

import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads whole partitions back as records, for assertions. */
public final class LogReader {

  private LogReader() {}

  /** Every record from the log start offset to the log end offset. */
  public static List<LogRecord> readAll(PartitionLog partition) {
    return readFrom(partition, partition.logStartOffset());
  }

  /** Every record from {@code offset} (inclusive) to the log end offset. */
  public static List<LogRecord> readFrom(PartitionLog partition, long offset) {
    List<LogRecord> records = new ArrayList<>();
    long next = offset;
    while (next < partition.logEndOffset()) {
      LogSlice slice = partition.read(next, 64 * 1024);
      if (slice.isEmpty()) {
        break;
      }
      try {
        for (LogRecord record : RecordBatches.records(slice.read())) {
          if (record.offset() >= next) {
            records.add(record);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      next = slice.nextOffset();
    }
    return records;
  }
}
