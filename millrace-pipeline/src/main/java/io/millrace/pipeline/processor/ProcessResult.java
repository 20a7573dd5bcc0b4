package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import java.util.List;

/** What a {@link Processor} made of one record. Immutable. */
public sealed interface ProcessResult {

  /** Records that continue to the next processor: none (filtered out), one, or many. */
  record Records(List<PipelineRecord> records) implements ProcessResult {
    public Records {
      records = List.copyOf(records);
    }
  }

  /** The record goes to the named output only; a null output means no output matched: dropped. */
  record Routed(PipelineRecord record, String output) implements ProcessResult {}

  /** Bad data: the input record goes to the dead-letter topic with these reasons. */
  record Failed(PipelineRecord record, String processor, List<String> reasons)
      implements ProcessResult {
    public Failed {
      reasons = List.copyOf(reasons);
    }
  }

  static ProcessResult one(PipelineRecord record) {
    return new Records(List.of(record));
  }

  static ProcessResult none() {
    return new Records(List.of());
  }

  static ProcessResult failed(PipelineRecord record, String processor, String reason) {
    return new Failed(record, processor, List.of(reason));
  }
}
