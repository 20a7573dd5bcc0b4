package io.millrace.kafka.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.apache.kafka.common.network.Send;

/**
 * One client connection: the frame being read, the response being written. Owned by one {@link
 * Processor} thread; never touched by others.
 *
 * <p>Requests of a connection are answered in order by handling one at a time: after a whole frame
 * is read the connection stops reading (is muted) until its response is sent, as a Kafka broker
 * does. Clients that pipeline requests simply find them waiting in the socket.
 */
final class Connection {

  /** Where the connection is in its request/response cycle. */
  enum State {
    /** Reading the 4-byte size or the payload of the next request. */
    READING,
    /** A request is with the handler; nothing is read or written. */
    HANDLING,
    /** Writing the response to the last request. */
    WRITING
  }

  final SocketChannel socket;
  final SelectionKey key;
  final RequestHandler.ConnectionInfo info;
  final SocketTransferableChannel channel;
  private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
  private ByteBuffer payload;
  private Send response;
  State state = State.READING;
  long lastActivityNanos;

  Connection(
      SocketChannel socket, SelectionKey key, RequestHandler.ConnectionInfo info, long nowNanos) {
    this.socket = socket;
    this.key = key;
    this.info = info;
    this.channel = new SocketTransferableChannel(socket);
    this.lastActivityNanos = nowNanos;
  }

  /** Result of a read attempt. */
  enum ReadResult {
    INCOMPLETE,
    FRAME_READY,
    END_OF_STREAM,
    TOO_LARGE
  }

  /** Reads what the socket has of the current frame. */
  ReadResult read(int maxRequestBytes) throws IOException {
    if (payload == null) {
      if (socket.read(sizeBuffer) < 0) {
        return ReadResult.END_OF_STREAM;
      }
      if (sizeBuffer.hasRemaining()) {
        return ReadResult.INCOMPLETE;
      }
      int size = sizeBuffer.getInt(0);
      if (size < 0 || size > maxRequestBytes) {
        return ReadResult.TOO_LARGE;
      }
      payload = ByteBuffer.allocate(size);
    }
    if (payload.hasRemaining() && socket.read(payload) < 0) {
      return ReadResult.END_OF_STREAM;
    }
    return payload.hasRemaining() ? ReadResult.INCOMPLETE : ReadResult.FRAME_READY;
  }

  /** Hands over the frame just read and resets for the next one. */
  ByteBuffer takeFrame() {
    ByteBuffer frame = payload.flip();
    payload = null;
    sizeBuffer.clear();
    return frame;
  }

  int frameSizeClaimed() {
    return sizeBuffer.getInt(0);
  }

  void startWriting(Send send) {
    this.response = send;
    this.state = State.WRITING;
  }

  /** Writes what the socket takes; true when the whole response is out. */
  boolean write() throws IOException {
    response.writeTo(channel);
    if (response.completed()) {
      response = null;
      return true;
    }
    return false;
  }

  void close() {
    key.cancel();
    try {
      socket.close();
    } catch (IOException e) {
      // Closing a socket that already failed: nothing more to do.
    }
  }
}
