package io.millrace.log.segment;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the log opens its files. Production uses {@link #DEFAULT}; tests substitute a channel that
 * fails like a full disk or a broken device, which is how the disk-full behaviour is tested when no
 * small file system can be mounted.
 */
public interface FileIo {

  FileIo DEFAULT = (path, options) -> FileChannel.open(path, options);

  FileChannel open(Path path, OpenOption... options) throws IOException;

  /** Opens for reading and writing, creating the file if it does not exist. */
  default FileChannel openReadWrite(Path path) throws IOException {
    return open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }
}
