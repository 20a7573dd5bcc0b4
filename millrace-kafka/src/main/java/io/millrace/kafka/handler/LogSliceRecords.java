package io.millrace.kafka.handler;

import io.millrace.log.segment.LogSlice;
import java.io.IOException;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.DefaultRecordsSend;
import org.apache.kafka.common.record.internal.RecordsSend;
import org.apache.kafka.common.record.internal.TransferableRecords;

/**
 * A slice of a segment file as the records of a Fetch response: serialized by sending the file
 * region straight to the socket (sendfile), never copied through the heap.
 */
final class LogSliceRecords implements TransferableRecords {

  private final LogSlice slice;

  LogSliceRecords(LogSlice slice) {
    this.slice = slice;
  }

  @Override
  public int sizeInBytes() {
    return slice.sizeBytes();
  }

  @Override
  public RecordsSend<? extends TransferableRecords> toSend() {
    return new DefaultRecordsSend<>(this);
  }

  @Override
  public int writeTo(TransferableChannel channel, int position, int length) throws IOException {
    return (int) channel.transferFrom(slice.channel(), slice.position() + position, length);
  }
}
