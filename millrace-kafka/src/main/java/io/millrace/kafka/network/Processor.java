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
      Connection connection,
      Connection.InFlight request,
      RequestHandler.Outcome outcome,
      Throwable failure) {}

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
            writeAnswers(connection);
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

  /** Reads and dispatches the frames the socket has, as long as the connection may take more. */
  private void onReadable(Connection connection) {
    try {
      while (connection.mayRead()) {
        Connection.ReadResult result = connection.read(maxRequestBytes);
        connection.lastActivityNanos = System.nanoTime();
        switch (result) {
          case INCOMPLETE -> {
            updateInterest(connection);
            return;
          }
          case END_OF_STREAM -> {
            close(connection, null);
            return;
          }
          case TOO_LARGE -> {
            close(
                connection,
                "request of "
                    + connection.frameSizeClaimed()
                    + " bytes exceeds the limit of "
                    + maxRequestBytes);
            return;
          }
          case FRAME_READY -> dispatch(connection, connection.takeFrame());
        }
        if (!connection.socket.isOpen()) {
          return;
        }
      }
      updateInterest(connection);
    } catch (IOException e) {
      close(connection, null);
    }
  }

  private void dispatch(Connection connection, ByteBuffer frame) {
    RequestHandler.Handling handling;
    try {
      handling = handler.handle(connection.info, frame);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      handling = new RequestHandler.Handling(CompletableFuture.failedFuture(e), true);
    }
    CompletableFuture<RequestHandler.Outcome> outcome = handling.outcome();
    Connection.InFlight request = connection.track(handling.applied());
    if (outcome.isDone()) {
      // Answered on this thread: no queue, no wake-up (whenComplete runs at once here).
      outcome.whenComplete(request::complete);
      writeAnswers(connection);
      return;
    }
    outcome.whenComplete(
        (result, failure) -> {
          finished.add(new Finished(connection, request, result, failure));
          selector.wakeup();
        });
  }

  private void completeFinishedRequests() {
    Finished done;
    while ((done = finished.poll()) != null) {
      Connection connection = done.connection();
      if (!connection.socket.isOpen()) {
        continue;
      }
      done.request().complete(done.outcome(), done.failure());
      writeAnswers(connection);
    }
  }

  /**
   * Writes the answers that are ready, oldest first, and stops at the first one still pending or at
   * a response the socket cannot take whole.
   */
  private void writeAnswers(Connection connection) {
    try {
      while (true) {
        if (connection.isWriting()) {
          if (!connection.write()) {
            break;
          }
          connection.lastActivityNanos = System.nanoTime();
        }
        Connection.InFlight answered = connection.pollAnswerable();
        if (answered == null) {
          break;
        }
        if (answered.failure() != null) {
          LOG.warn(
              "request from {} failed; closing the connection",
              connection.info,
              answered.failure());
          close(connection, null);
          return;
        }
        switch (answered.outcome()) {
          case RequestHandler.Respond respond -> connection.startWriting(respond.response());
          case RequestHandler.NoResponse ignored -> {}
          case RequestHandler.Close close -> {
            close(connection, close.reason());
            return;
          }
        }
      }
      updateInterest(connection);
    } catch (IOException e) {
      close(connection, null);
    }
  }

  private static void updateInterest(Connection connection) {
    int ops =
        (connection.mayRead() ? SelectionKey.OP_READ : 0)
            | (connection.isWriting() ? SelectionKey.OP_WRITE : 0);
    if (connection.key.isValid() && connection.key.interestOps() != ops) {
      connection.key.interestOps(ops);
    }
  }

  private void closeIdleConnections() {
    long now = System.nanoTime();
    if (now < nextIdleCheckNanos) {
      return;
    }
    nextIdleCheckNanos = now + IDLE_CHECK_INTERVAL_NANOS;
    for (Connection connection : List.copyOf(connections)) {
      if (connection.isWaitingForClient()
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
