/**
 * The interface between the pipeline runtime and destinations outside the log (PostgreSQL, HTTP
 * endpoints, files). A pipeline task hands a {@link io.millrace.engine.sink.Sink} batches of
 * records in input order and commits its input offsets only after every record of a batch is
 * delivered or rejected, so delivery is at least once; sinks that upsert make replays idempotent.
 */
package io.millrace.engine.sink;
