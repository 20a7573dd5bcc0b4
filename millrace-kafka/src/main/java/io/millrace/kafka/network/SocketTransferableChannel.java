package io.millrace.kafka.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * A plaintext socket as Kafka's {@code Send} objects write to it; file regions go out with {@link
 * FileChannel#transferTo}, which the kernel turns into sendfile (zero copy).
 */
final class SocketTransferableChannel implements TransferableChannel {

  private final SocketChannel socket;

  SocketTransferableChannel(SocketChannel socket) {
    this.socket = socket;
  }

  @Override
  public boolean hasPendingWrites() {
    return false;
  }

  @Override
  public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
    return fileChannel.transferTo(position, count, socket);
  }

  @Override
  public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
    return socket.write(sources, offset, length);
  }

  @Override
  public long write(ByteBuffer[] sources) throws IOException {
    return socket.write(sources);
  }

  @Override
  public int write(ByteBuffer source) throws IOException {
    return socket.write(source);
  }

  @Override
  public boolean isOpen() {
    return socket.isOpen();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
