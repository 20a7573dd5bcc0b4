package io.millrace.connect;

/**
 * One item fetched by a source, to become one record.
 *
 * @param id the item's identity for de-duplication, or null when the source does not de-duplicate
 * @param key the record key, or null
 * @param value the record value (the item as JSON)
 */
public record SourceItem(String id, byte[] key, byte[] value) {}
