package io.millrace.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP listener: the JDK's built-in server ({@code jdk.httpserver}), each request on its own
 * virtual thread, every request going through one {@link RequestDispatcher} and the {@link Router}.
 *
 * <p>Why the JDK's server and not Helidon SE or Netty: it starts in about 45 ms and adds no
 * dependency, where Helidon SE 4.5 took about 620 ms to start (the whole server has a 500 ms
 * budget); see docs/http.md. Everything outside this class and the dispatcher speaks {@link
 * ApiRequest}/{@link ApiResponse}, so replacing the server touches these two classes only.
 *
 * <p>Threads: one acceptor/dispatcher thread owned by the JDK server, plus a virtual thread per
 * request. Closing stops accepting, gives requests in flight up to a second, and is idempotent.
 */
public final class HttpApiServer implements AutoCloseable {

  /**
   * Connections the kernel queues before the server accepts them. The JDK's default (50) overflowed
   * under a burst of new client connections at 2,000 requests/s: the kernel dropped the SYNs and
   * each client waited for its 1 s SYN retransmission (measured: 21,800 listen overflows in one 10
   * s run, p99 in seconds). The kernel caps it at net.core.somaxconn.
   */
  static final int ACCEPT_BACKLOG = 4096;

  /** Idle keep-alive connections kept open for reuse (the JDK's default is 200). */
  static final int MAX_IDLE_CONNECTIONS = 4096;

  /** How long {@link #close()} lets requests in flight finish. */
  private static final int STOP_DELAY_SECONDS = 1;

  private final HttpServer server;
  private final ExecutorService requestThreads;
  private boolean closed;

  private HttpApiServer(HttpServer server, ExecutorService requestThreads) {
    this.server = server;
    this.requestThreads = requestThreads;
  }

  /**
   * Binds and starts serving.
   *
   * @throws IOException if the address cannot be bound (names the address)
   */
  public static HttpApiServer start(HttpServerConfig config, Router router) throws IOException {
    // The JDK server leaves Nagle's algorithm on unless told (read once, when its classes load):
    // a response written in two pieces then waits for the client's delayed ACK, up to ~40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    // It also keeps at most 200 idle keep-alive connections and closes the others as they go idle;
    // a client that pooled them (java.net.http opens one per concurrent request) then writes its
    // next request into a closed socket ("header parser received no bytes").
    System.setProperty(
        "sun.net.httpserver.maxIdleConnections", Integer.toString(MAX_IDLE_CONNECTIONS));
    HttpServer server;
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(config.bindHost(), config.port()), ACCEPT_BACKLOG);
    } catch (IOException e) {
      throw new IOException(
          "cannot listen for HTTP on "
              + config.bindHost()
              + ":"
              + config.port()
              + ": "
              + e.getMessage(),
          e);
    }
    ExecutorService requestThreads =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("millrace-http-", 0).factory());
    server.setExecutor(requestThreads);
    server.createContext("/", new RequestDispatcher(router, config));
    server.start();
    return new HttpApiServer(server, requestThreads);
  }

  /** The port bound (the configured one, or the one picked for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  public String host() {
    return server.getAddress().getHostString();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(STOP_DELAY_SECONDS);
    requestThreads.shutdownNow();
  }
}
