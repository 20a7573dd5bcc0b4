package io.millrace.server.cli;

import io.millrace.pipeline.definition.YamlReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A pipeline file read for validation or deployment, named as the user wrote its path. */
record PipelineFile(String name, String text) {

  static PipelineFile read(Path file) {
    try {
      if (Files.size(file) > YamlReader.MAX_FILE_CHARS * 4L) {
        throw new CliException(file + ": file too large for a pipeline");
      }
      return new PipelineFile(file.toString(), Files.readString(file));
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
