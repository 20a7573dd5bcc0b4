package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.LogRecord;
import io.millrace.log.segment.FileIo;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.FileDamage;
import io.millrace.log.testing.LogReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which files an acknowledgement fsyncs: only the segment's records; an index is forced once,
 * before recovery may trust it without a scan (the recovery point passing its segment, or a clean
 * close).
 */
class FsyncScopeTest {

  @TempDir Path dataDir;

  @TempDir Path crashCopy;

  private final CountingFileIo io = new CountingFileIo();

  @Test
  void shouldForceOnlyTheLogFileToAcknowledgeAnAppend() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir).withFileIo(io))) {
      log.createTopic("events", 1, Map.of(TopicConfig.FLUSH_POLICY, "every-batch"));
      PartitionLog partition = log.partition(new TopicPartition("events", 0));
      Path directory = partition.directory();
      io.forces.clear();

      for (int i = 0; i < 3; i++) {
        assertThat(partition.append(Batches.numbered(i * 10, 10, 1000)).isOk()).isTrue();
      }

      assertThat(io.forcesOf(file(directory, 0, LogSegment.LOG_SUFFIX))).isEqualTo(3);
      assertThat(io.forcesOf(file(directory, 0, LogSegment.INDEX_SUFFIX))).isZero();
      assertThat(partition.durableOffset()).isEqualTo(30);
    }
  }

  @Test
  void shouldForceTheDirectoryOnceBeforeAcknowledgingIntoARolledSegment() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir).withFileIo(io))) {
      log.createTopic(
          "events",
          1,
          Map.of(TopicConfig.FLUSH_POLICY, "every-batch", TopicConfig.SEGMENT_BYTES, "100"));
      PartitionLog partition = log.partition(new TopicPartition("events", 0));
      Path directory = partition.directory();
      assertThat(partition.append(Batches.numbered(0, 10, 1000)).isOk()).isTrue();
      int before = io.forcesOf(directory);

      // Rolls: the new segment file must survive a power loss before its data is acknowledged.
      assertThat(partition.append(Batches.numbered(10, 10, 2000)).isOk()).isTrue();
      assertThat(partition.segmentCount()).isEqualTo(2);
      assertThat(io.forcesOf(directory)).isEqualTo(before + 1);

      // No roll, no directory fsync.
      log.alterTopicConfig("events", Map.of(TopicConfig.SEGMENT_BYTES, "1048576"));
      assertThat(partition.append(Batches.numbered(20, 10, 3000)).isOk()).isTrue();
      assertThat(io.forcesOf(directory)).isEqualTo(before + 1);
    }
  }

  @Test
  void shouldForceASealedSegmentsIndexBeforeTheRecoveryPointPassesIt() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dataDir).withFileIo(io))) {
      log.createTopic(
          "events",
          1,
          Map.of(
              TopicConfig.FLUSH_POLICY, "every-batch",
              TopicConfig.SEGMENT_BYTES, "100",
              TopicConfig.INDEX_INTERVAL_BYTES, "1"));
      PartitionLog partition = log.partition(new TopicPartition("events", 0));
      Path directory = partition.directory();
      assertThat(partition.append(Batches.numbered(0, 20, 1000)).isOk()).isTrue();
      long sealedEnd = partition.logEndOffset();
      assertThat(io.forcesOf(file(directory, 0, LogSegment.INDEX_SUFFIX))).isZero();

      // This append rolls; its flush makes the first segment wholly durable.
      assertThat(partition.append(Batches.numbered(20, 20, 2000)).isOk()).isTrue();

      assertThat(partition.segmentCount()).isEqualTo(2);
      assertThat(PartitionCheckpoint.read(directory).recoveryPoint()).isEqualTo(sealedEnd);
      assertThat(io.forcesOf(file(directory, 0, LogSegment.INDEX_SUFFIX))).isOne();
      assertThat(io.forcesOf(file(directory, sealedEnd, LogSegment.INDEX_SUFFIX))).isZero();
    }
  }

  @Test
  void shouldForceEveryIndexOnACleanClose() throws Exception {
    Path directory;
    try (Log log = Log.open(LogOptions.defaults(dataDir).withFileIo(io))) {
      log.createTopic("events", 1, Map.of(TopicConfig.FLUSH_POLICY, "os"));
      PartitionLog partition = log.partition(new TopicPartition("events", 0));
      directory = partition.directory();
      assertThat(partition.append(Batches.numbered(0, 20, 1000)).isOk()).isTrue();
      io.forces.clear();
    }

    assertThat(io.forcesOf(file(directory, 0, LogSegment.LOG_SUFFIX))).isOne();
    assertThat(io.forcesOf(file(directory, 0, LogSegment.INDEX_SUFFIX))).isOne();
    assertThat(PartitionCheckpoint.read(directory).recoveryPoint()).isEqualTo(20);
  }

  @Test
  void whenTheActiveSegmentsUnforcedIndexIsLost_thenRecoveryRebuildsIt() throws Exception {
    TopicPartition events = new TopicPartition("events", 0);
    Path indexInCopy;
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic(
          "events",
          1,
          Map.of(TopicConfig.FLUSH_POLICY, "every-batch", TopicConfig.INDEX_INTERVAL_BYTES, "1"));
      PartitionLog partition = log.partition(events);
      // More batches than one chunk of buffered index entries, so that part of the index is in
      // its file (unforced) and part is still in memory.
      for (int i = 0; i < 150; i++) {
        assertThat(partition.append(Batches.numbered(i * 4, 4, 1000 + i)).isOk()).isTrue();
      }
      // A power cut now: the records were forced, the active segment's index never was.
      FileDamage.copyTree(dataDir, crashCopy);
      indexInCopy =
          crashCopy.resolve(
              dataDir.relativize(file(partition.directory(), 0, LogSegment.INDEX_SUFFIX)));
      assertThat(Files.size(indexInCopy)).isPositive();
      Files.write(indexInCopy, new byte[0]);
    }

    try (Log log = Log.open(LogOptions.defaults(crashCopy))) {
      PartitionLog partition = log.partition(events);
      assertThat(partition.logEndOffset()).isEqualTo(600);
      assertThat(LogReader.readAll(partition))
          .extracting(LogRecord::offset)
          .containsExactlyElementsOf(LongStream.range(0, 600).boxed().toList());
      assertThat(partition.read(123, 1).firstOffset()).isEqualTo(120);
      assertThat(Files.size(indexInCopy)).isPositive(); // rebuilt by the recovery scan
    }
  }

  private static Path file(Path directory, long baseOffset, String suffix) {
    return directory.resolve(LogSegment.fileName(baseOffset) + suffix);
  }

  /** Opens real channels that count {@code force} calls per file. */
  private static final class CountingFileIo implements FileIo {
    final Map<String, AtomicInteger> forces = new ConcurrentHashMap<>();

    int forcesOf(Path file) {
      AtomicInteger count = forces.get(file.toAbsolutePath().toString());
      return count == null ? 0 : count.get();
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
      FileChannel channel = FileChannel.open(path, options);
      String name = path.toAbsolutePath().toString();
      return new ForwardingFileChannel(channel) {
        @Override
        public void force(boolean metaData) throws IOException {
          forces.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
          super.force(metaData);
        }
      };
    }
  }

  /** A {@link FileChannel} that passes every call to another one. */
  private static class ForwardingFileChannel extends FileChannel {
    private final FileChannel delegate;

    ForwardingFileChannel(FileChannel delegate) {
      this.delegate = delegate;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      return delegate.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      delegate.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return delegate.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      delegate.close();
    }
  }
}
