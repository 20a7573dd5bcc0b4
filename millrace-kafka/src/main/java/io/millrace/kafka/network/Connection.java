package io.millrace.kafka.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import org.apache.kafka.common.network.Send;

/**
 * One client connection: the frame being read, the requests handed to the handler and not yet
 * answered (in arrival order), the response being written. Owned by one {@link Processor} thread;
 * never touched by others.
 *
 * <p>Answers go out in request order. A request whose handling is not {@linkplain
 * RequestHandler.Handling#applied applied} holds the connection's reading back until it completes
 * (the connection is muted, as a Kafka broker mutes it for every request). Requests that are
 * applied and only wait to answer — Produce waiting for its fsync — let the next requests in, up to
 * {@link #MAX_PIPELINED_REQUESTS}: a producer's five in-flight requests are then appended at once
 * and share one fsync instead of queueing for one each.
 */
final class Connection {

  /**
   * Requests of one connection handled and not yet answered, at most. Kafka's Java producer sends
   * at most 5 (its {@code max.in.flight.requests.per.connection}); the limit only bounds the
   * responses waiting to be written, and beyond it the client waits in TCP.
   */
  static final int MAX_PIPELINED_REQUESTS = 16;

  /** A request with the handler, until its answer is written. */
  static final class InFlight {
    final boolean applied;
    private boolean done;
    private RequestHandler.Outcome outcome;
    private Throwable failure;

    InFlight(boolean applied) {
      this.applied = applied;
    }

    void complete(RequestHandler.Outcome outcome, Throwable failure) {
      this.done = true;
      this.outcome = outcome;
      this.failure =
          outcome == null && failure == null ? new IllegalStateException("no outcome") : failure;
    }

    boolean isDone() {
      return done;
    }

    RequestHandler.Outcome outcome() {
      return outcome;
    }

    Throwable failure() {
      return failure;
    }
  }

  final SocketChannel socket;
  final SelectionKey key;
  final RequestHandler.ConnectionInfo info;
  final SocketTransferableChannel channel;
  private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private ByteBuffer payload;
  private Send response;
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

  /** Reads what the socket has of the current frame, never past it. */
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

  /** Records a request handed to the handler, behind those still unanswered. */
  InFlight track(boolean applied) {
    InFlight request = new InFlight(applied);
    inFlight.add(request);
    return request;
  }

  /**
   * True when the next request may be read: every unanswered request is applied or done, and there
   * are fewer than {@link #MAX_PIPELINED_REQUESTS}.
   */
  boolean mayRead() {
    if (inFlight.size() >= MAX_PIPELINED_REQUESTS) {
      return false;
    }
    for (InFlight request : inFlight) {
      if (!request.applied && !request.done) {
        return false;
      }
    }
    return true;
  }

  /** The oldest unanswered request once it is done and nothing is being written; else null. */
  InFlight pollAnswerable() {
    InFlight head = inFlight.peek();
    if (response != null || head == null || !head.done) {
      return null;
    }
    return inFlight.poll();
  }

  /**
   * True when nothing is handled or written: the connection waits for the client (possibly in the
   * middle of a frame that the client is slow to send).
   */
  boolean isWaitingForClient() {
    return inFlight.isEmpty() && response == null;
  }

  boolean isWriting() {
    return response != null;
  }

  void startWriting(Send send) {
    this.response = send;
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
