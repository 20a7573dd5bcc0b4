package io.millrace.kafka.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network thread ({@code millrace-kafka-network-N}): owns a selector and the connections given to
 * it, reads request frames, hands them to the {@link RequestHandler} and writes responses.
 *
 * <p>Other threads talk to it only through two queues, each followed by a selector wake-up: new
 * connections from the acceptor, and finished requests from whichever thread completed them.
 */
final class Processor implements Runnable, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Processor.class);
  private static final long IDLE_CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final int id;
  private final Selector selector;
  private final RequestHandler handler;
  private final int maxRequestBytes;
  private final long idleTimeoutNanos;
  private final AtomicInteger openConnections;
  private final Queue<SocketChannel> newConnections = new ConcurrentLinkedQueue<>();
  private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
  private final List<Connection> connections = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private long nextIdleCheckNanos;
  private int nextConnectionNumber;

  private record Finished(
      Connection connection, RequestHandler.Outcome outcome, Throwable failure) {}

  Processor(
      int id,
      RequestHandler handler,
      int maxRequestBytes,
      long idleTimeoutMs,
      AtomicInteger openConnections)
      throws IOException {
    this.id = id;
    this.selector = Selector.open();
    this.handler = handler;
    this.maxRequestBytes = maxRequestBytes;
    this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    this.openConnections = openConnections;
    this.thread = new Thread(this, "millrace-kafka-network-" + id);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Takes over an accepted connection. Any thread. */
  void accept(SocketChannel socket) {
    newConnections.add(socket);
    selector.wakeup();
  }

  @Override
  public void run() {
    while (running) {
      try {
        registerNewConnections();
        completeFinishedRequests();
        selector.select(300);
        for (SelectionKey key : selector.selectedKeys()) {
          Connection connection = (Connection) key.attachment();
          if (key.isValid() && key.isReadable()) {
            onReadable(connection);
          }
          if (key.isValid() && key.isWritable()) {
            onWritable(connection);
          }
        }
        selector.selectedKeys().clear();
        closeIdleConnections();
      } catch (ClosedSelectorException e) {
        return;
      } catch (VirtualMachineError e) {
        throw e;
      } catch (IOException | RuntimeException | Error e) {
        // One bad request or bug must not silence every connection of this thread.
        LOG.error("network thread {} failed an iteration; continuing", id, e);
      }
    }
  }

  private void registerNewConnections() {
    SocketChannel socket;
    while ((socket = newConnections.poll()) != null) {
      try {
        socket.configureBlocking(false);
        socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        SelectionKey key = socket.register(selector, SelectionKey.OP_READ);
        java.net.InetSocketAddress remote = (java.net.InetSocketAddress) socket.getRemoteAddress();
        RequestHandler.ConnectionInfo info =
            new RequestHandler.ConnectionInfo(
                id + "-" + nextConnectionNumber++, remote.getAddress(), remote.getPort());
        Connection connection = new Connection(socket, key, info, System.nanoTime());
        key.attach(connection);
        connections.add(connection);
      } catch (IOException e) {
        LOG.debug("could not register a new connection: {}", e.toString());
        openConnections.decrementAndGet();
        closeSocket(socket);
      }
    }
  }

  private void onReadable(Connection connection) {
    try {
      Connection.ReadResult result = connection.read(maxRequestBytes);
      connection.lastActivityNanos = System.nanoTime();
      switch (result) {
        case INCOMPLETE -> {}
        case END_OF_STREAM -> close(connection, null);
        case TOO_LARGE ->
            close(
                connection,
                "request of "
                    + connection.frameSizeClaimed()
                    + " bytes exceeds the limit of "
                    + maxRequestBytes);
        case FRAME_READY -> dispatch(connection, connection.takeFrame());
      }
    } catch (IOException e) {
      close(connection, null);
    }
  }

  private void dispatch(Connection connection, ByteBuffer frame) {
    connection.state = Connection.State.HANDLING;
    connection.key.interestOps(0);
    CompletableFuture<RequestHandler.Outcome> outcome;
    try {
      outcome = handler.handle(connection.info, frame);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    if (outcome.isDone()) {
      // Answered on this thread: no queue, no wake-up.
      RequestHandler.Outcome result = outcome.exceptionally(e -> null).join();
      onFinished(new Finished(connection, result, result == null ? failureOf(outcome) : null));
      return;
    }
    outcome.whenComplete(
        (result, failure) -> {
          finished.add(new Finished(connection, result, failure));
          selector.wakeup();
        });
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    try {
      future.join();
      return new IllegalStateException("handler returned no outcome");
    } catch (RuntimeException e) {
      return e.getCause() == null ? e : e.getCause();
    }
  }

  private void completeFinishedRequests() {
    Finished done;
    while ((done = finished.poll()) != null) {
      onFinished(done);
    }
  }

  private void onFinished(Finished done) {
    Connection connection = done.connection();
    if (!connection.socket.isOpen()) {
      return;
    }
    if (done.failure() != null || done.outcome() == null) {
      LOG.warn("request from {} failed; closing the connection", connection.info, done.failure());
      close(connection, null);
      return;
    }
    switch (done.outcome()) {
      case RequestHandler.Respond respond -> {
        connection.startWriting(respond.response());
        onWritable(connection);
      }
      case RequestHandler.NoResponse ignored -> readNext(connection);
      case RequestHandler.Close close -> close(connection, close.reason());
    }
  }

  private void onWritable(Connection connection) {
    try {
      if (connection.write()) {
        readNext(connection);
      } else {
        connection.key.interestOps(SelectionKey.OP_WRITE);
      }
      connection.lastActivityNanos = System.nanoTime();
    } catch (IOException e) {
      close(connection, null);
    }
  }

  private void readNext(Connection connection) {
    connection.state = Connection.State.READING;
    connection.key.interestOps(SelectionKey.OP_READ);
  }

  private void closeIdleConnections() {
    long now = System.nanoTime();
    if (now < nextIdleCheckNanos) {
      return;
    }
    nextIdleCheckNanos = now + IDLE_CHECK_INTERVAL_NANOS;
    for (Connection connection : List.copyOf(connections)) {
      if (connection.state == Connection.State.READING
          && now - connection.lastActivityNanos > idleTimeoutNanos) {
        close(connection, "idle for longer than the idle timeout");
      }
    }
  }

  private void close(Connection connection, String reason) {
    if (reason != null) {
      LOG.info("closing connection {}: {}", connection.info, reason);
    }
    if (connections.remove(connection)) {
      openConnections.decrementAndGet();
    }
    connection.close();
  }

  private static void closeSocket(SocketChannel socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Already broken.
    }
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Connection connection : List.copyOf(connections)) {
      close(connection, null);
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.debug("closing selector: {}", e.toString());
    }
  }
}
