package io.millrace.http;

/**
 * Settings of the HTTP server, validated once when built. Immutable.
 *
 * @param bindHost address to listen on (127.0.0.1 by default: the API has no authentication yet)
 * @param port port to listen on (0 picks a free one, for tests)
 * @param maxRequestBytes a request body larger than this is refused with 413 before it is read
 * @param maxConcurrentRequests requests handled at once; more wait for the operating system's
 *     accept backlog (each request runs on its own virtual thread)
 * @param maxRecordsRequestBytes the body limit of {@code POST /topics/{topic}/records}, which is
 *     read as a stream rather than buffered whole (413 beyond it)
 * @param maxIngestBytesInFlight the memory all record ingestion requests together may hold (an
 *     estimate: twice the body bytes read plus a per-record overhead); beyond it 503
 */
public record HttpServerConfig(
    String bindHost,
    int port,
    int maxRequestBytes,
    int maxConcurrentRequests,
    int maxRecordsRequestBytes,
    long maxIngestBytesInFlight) {

  /** The default records body limit: 16 MiB, the most one write of the log's writer carries. */
  public static final int DEFAULT_RECORDS_REQUEST_BYTES = 16 << 20;

  /** The default ingestion memory budget: 128 MiB. */
  public static final long DEFAULT_INGEST_BYTES_IN_FLIGHT = 128L << 20;

  /** The smallest body limit accepted: enough for any admin request. */
  public static final int MIN_REQUEST_BYTES = 1024;

  public HttpServerConfig {
    if (bindHost == null || bindHost.isBlank()) {
      throw new IllegalArgumentException("http host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http port must be 0..65535, was " + port);
    }
    if (maxRequestBytes < MIN_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "http max request bytes must be >= " + MIN_REQUEST_BYTES + ", was " + maxRequestBytes);
    }
    if (maxConcurrentRequests < 1) {
      throw new IllegalArgumentException("http max concurrent requests must be >= 1");
    }
    if (maxRecordsRequestBytes < MIN_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "http max records request bytes must be >= "
              + MIN_REQUEST_BYTES
              + ", was "
              + maxRecordsRequestBytes);
    }
    if (maxIngestBytesInFlight < 2L * maxRecordsRequestBytes) {
      throw new IllegalArgumentException(
          "http max ingest bytes in flight must be at least twice the records request limit ("
              + 2L * maxRecordsRequestBytes
              + "), was "
              + maxIngestBytesInFlight);
    }
  }

  /** The admin settings only; record ingestion takes its defaults. */
  public HttpServerConfig(
      String bindHost, int port, int maxRequestBytes, int maxConcurrentRequests) {
    this(
        bindHost,
        port,
        maxRequestBytes,
        maxConcurrentRequests,
        DEFAULT_RECORDS_REQUEST_BYTES,
        DEFAULT_INGEST_BYTES_IN_FLIGHT);
  }

  /** 127.0.0.1:8080, 1 MiB bodies, 1024 requests at once. */
  public static HttpServerConfig defaults() {
    return new HttpServerConfig("127.0.0.1", 8080, 1024 * 1024, 1024);
  }

  public HttpServerConfig withPort(int newPort) {
    return new HttpServerConfig(
        bindHost,
        newPort,
        maxRequestBytes,
        maxConcurrentRequests,
        maxRecordsRequestBytes,
        maxIngestBytesInFlight);
  }

  public HttpServerConfig withIngestLimits(int recordsRequestBytes, long ingestBytesInFlight) {
    return new HttpServerConfig(
        bindHost,
        port,
        maxRequestBytes,
        maxConcurrentRequests,
        recordsRequestBytes,
        ingestBytesInFlight);
  }
}
