/**
 * The HTTP API over the log.
 *
 * <h2>Layout</h2>
 *
 * {@link io.millrace.http.HttpApiServer} (the listener) hands every request to one dispatcher,
 * which applies the limits, reads the body and asks the {@link io.millrace.http.Router} for a
 * {@link io.millrace.http.RouteHandler}. Each API ({@link io.millrace.http.HealthApi}, {@link
 * io.millrace.http.TopicsApi}, {@link io.millrace.http.RecordsApi}, and later pipelines, views,
 * metrics) is one class that registers its routes on a {@link io.millrace.http.Router.Builder} and
 * speaks only {@link io.millrace.http.ApiRequest} and {@link io.millrace.http.ApiResponse}; only
 * the listener and the dispatcher know which HTTP server runs underneath.
 *
 * <h2>Concurrency</h2>
 *
 * <ul>
 *   <li>Threads: the JDK server's dispatcher thread accepts connections and parses request heads;
 *       each request then runs on its own virtual thread, from routing to the last byte written.
 *   <li>Shared state: the router and the APIs are immutable after start; {@link
 *       io.millrace.http.HealthChecks} is synchronized; the log serializes its own admin changes;
 *       record pushes share the log's thread-safe {@code TopicWriter} and a lock-free ingest memory
 *       budget ({@code IngestBudget}, a CAS-updated counter).
 *   <li>Limits: at most {@code maxConcurrentRequests} requests run at once (a semaphore, tried
 *       without waiting: 503 beyond it); bodies are capped at {@code maxRequestBytes}, except a
 *       streaming route's (record pushes), which is read as a stream up to {@code
 *       maxRecordsRequestBytes} and charged to {@code maxIngestBytesInFlight} as it is read.
 *   <li>Blocking: a record push waits for its records' fsync (at most 30 s) and a record read
 *       long-polls (at most 30 s), each on its own virtual thread; neither waits for capacity.
 *   <li>No locks are held while calling the log.
 * </ul>
 */
package io.millrace.http;
