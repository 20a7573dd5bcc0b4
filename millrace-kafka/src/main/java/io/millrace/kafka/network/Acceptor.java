package io.millrace.kafka.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening socket and its thread ({@code millrace-kafka-acceptor}): accepts connections and
 * deals them out to the {@link Processor}s in turn, refusing any beyond the connection limit.
 */
public final class Acceptor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

  private final ServerSocketChannel server;
  private final List<Processor> processors = new ArrayList<>();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final int maxConnections;
  private final Thread thread;
  private volatile boolean running = true;

  /** Binds the socket and starts the acceptor and network threads. */
  public static Acceptor start(
      InetSocketAddress bindAddress,
      RequestHandler handler,
      int processorThreads,
      int maxRequestBytes,
      long idleTimeoutMs,
      int maxConnections)
      throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(bindAddress, 1024);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    Acceptor acceptor = new Acceptor(server, maxConnections);
    try {
      for (int i = 0; i < processorThreads; i++) {
        acceptor.processors.add(
            new Processor(i, handler, maxRequestBytes, idleTimeoutMs, acceptor.openConnections));
      }
    } catch (IOException e) {
      acceptor.close();
      throw e;
    }
    acceptor.processors.forEach(Processor::start);
    acceptor.thread.start();
    return acceptor;
  }

  private Acceptor(ServerSocketChannel server, int maxConnections) {
    this.server = server;
    this.maxConnections = maxConnections;
    this.thread = new Thread(this::run, "millrace-kafka-acceptor");
    this.thread.setDaemon(true);
  }

  /** The port actually bound (useful when 0 was asked for). */
  public int port() {
    try {
      return ((InetSocketAddress) server.getLocalAddress()).getPort();
    } catch (IOException e) {
      throw new IllegalStateException("listener is closed", e);
    }
  }

  public int openConnections() {
    return openConnections.get();
  }

  private void run() {
    int next = 0;
    while (running) {
      try {
        SocketChannel socket = server.accept();
        if (openConnections.incrementAndGet() > maxConnections) {
          openConnections.decrementAndGet();
          LOG.warn("refusing a connection: {} connections already open", maxConnections);
          socket.close();
          continue;
        }
        processors.get(next).accept(socket);
        next = (next + 1) % processors.size();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (running) {
          LOG.warn("accept failed: {}", e.toString());
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the listening socket: {}", e.toString());
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    processors.forEach(Processor::close);
  }
}
