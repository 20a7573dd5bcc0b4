/**
 * The contract between the pipeline runtime and views: a view is a compacted changelog topic named
 * by {@link io.millrace.engine.view.ViewCatalog#changelogTopic}, which the runtime fills and the
 * serving layer ({@code millrace-serve}) indexes and answers queries from.
 */
package io.millrace.engine.view;
