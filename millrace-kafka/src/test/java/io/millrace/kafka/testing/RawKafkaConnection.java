package io.millrace.kafka.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A bare Kafka protocol connection for tests that need control no client gives: garbled frames,
 * requests pipelined without waiting, answers read one at a time. Not thread-safe.
 */
public final class RawKafkaConnection implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;

  public RawKafkaConnection(int port) throws IOException {
    this.socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Sends a request in its own version with this header's correlation id. */
  public void send(AbstractRequest request, RequestHeader header) throws IOException {
    sendFrame(toArray(request.serializeWithHeader(header)));
  }

  /** Sends {@code payload} behind a 4-byte size, as any request frame. */
  public void sendFrame(byte[] payload) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(ByteBuffer.allocate(4).putInt(payload.length).array());
    out.write(payload);
    out.flush();
  }

  /** Writes bytes as they are: no size prefix. */
  public void sendRaw(byte[] bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  /** The next response frame, or empty if the server closed the connection. */
  public Optional<byte[]> readFrame() throws IOException {
    try {
      int size = in.readInt();
      byte[] frame = new byte[size];
      in.readFully(frame);
      return Optional.of(frame);
    } catch (EOFException | SocketException e) {
      return Optional.empty();
    }
  }

  /** Reads the next response and parses it as the answer to the request with {@code header}. */
  public AbstractResponse receive(RequestHeader header) throws IOException {
    byte[] frame = readFrame().orElseThrow(() -> new EOFException("connection closed"));
    return AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header);
  }

  /** How long a read waits before it throws {@link java.net.SocketTimeoutException}. */
  public void setReadTimeoutMs(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
  }

  /** Bytes the server has sent that are not read yet, without waiting. */
  public int available() throws IOException {
    return in.available();
  }

  /** Sends one request and returns its answer. */
  public AbstractResponse roundTrip(AbstractRequest request, RequestHeader header)
      throws IOException {
    send(request, header);
    return receive(header);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** The bytes between a buffer's position and limit. */
  public static byte[] toArray(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
