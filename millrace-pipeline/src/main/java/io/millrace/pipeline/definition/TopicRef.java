package io.millrace.pipeline.definition;

/** A topic named in a pipeline file, with where it was named (for "unknown topic" errors). */
public record TopicRef(String name, SourcePosition position) {}
