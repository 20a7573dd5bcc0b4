package io.millrace.serve;

import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.Io;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local index of one view: the latest row per key of the view's changelog, and per changelog
 * partition the offset the index has applied up to, in one RocksDB database. The changelog is the
 * source of truth; this database is a cache of it that can always be thrown away and rebuilt.
 *
 * <p><b>Layout.</b> Column family {@code default} holds the rows, keyed by the record key bytes (so
 * scans are in unsigned byte order, which for UTF-8 keys is code point order):
 *
 * <pre>
 *  0                8                16           20
 *  +----------------+----------------+------------+---------------------------+
 *  | timestamp (ms) | offset         | partition  | value bytes (as written)  |
 *  | int64 BE       | int64 BE       | int32 BE   |                           |
 *  +----------------+----------------+------------+---------------------------+
 * </pre>
 *
 * The timestamp is the record's, for the TTL; offset and partition say where the row came from.
 * Column family {@code meta} holds {@code topic_id} (the changelog's topic id, UTF-8: a recreated
 * topic invalidates the index) and {@code next/P} (int64 BE: the next offset of partition P to
 * apply). A batch of rows and its {@code next/P} go in one {@link WriteBatch}, so rows and
 * positions never disagree. {@link WriteBatchEncoder} builds that batch in RocksDB's serialized
 * form, so a whole changelog batch crosses into native code in one call.
 *
 * <p><b>Durability.</b> Writes skip RocksDB's write-ahead log: the changelog already is one. Atomic
 * flush keeps both column families at the same point on disk, so after a crash the index resumes
 * from its last flushed position and re-applies the changelog from there (re-applying is
 * idempotent: the latest record per key wins).
 *
 * <p>THREADING. One writer (the view's {@link ViewIndexer} thread) calls {@link #apply}, {@link
 * #purgeExpired} and {@link #wipe}; any number of readers call {@link #get} and {@link #scan}
 * concurrently. A read-write lock keeps the native handle from being closed under a reader ({@link
 * #wipe} and {@link #close} take it exclusively; everything else shares it).
 */
public final class ViewIndex implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ViewIndex.class);

  static final int HEADER_BYTES = 20;
  private static final byte[] META_FAMILY = "meta".getBytes(StandardCharsets.UTF_8);
  private static final byte[] TOPIC_ID = "topic_id".getBytes(StandardCharsets.UTF_8);
  private static final String NEXT_PREFIX = "next/";

  /** Rows deleted per write batch by {@link #purgeExpired}. */
  private static final int PURGE_BATCH = 1_000;

  static {
    RocksDB.loadLibrary();
  }

  /** One row as read: where it came from and its value bytes. */
  public record Row(byte[] key, byte[] value, int partition, long offset, long timestampMs) {}

  /** A page of a scan; {@code lastExaminedKey} is null when the range is exhausted. */
  public record Page(List<Row> rows, byte[] lastExaminedKey) {}

  private final Path directory;
  private final String topicId;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
  private final WriteBatchEncoder encoder = new WriteBatchEncoder();
  private DBOptions dbOptions;
  private ColumnFamilyOptions familyOptions;
  private BloomFilter bloomFilter;
  private RocksDB db;
  private ColumnFamilyHandle rows;
  private ColumnFamilyHandle meta;
  private boolean rebuilt;
  private boolean closed;

  private ViewIndex(Path directory, String topicId) {
    this.directory = directory;
    this.topicId = topicId;
  }

  /**
   * Opens the index in {@code directory}, starting empty (a rebuild) when it is missing, cannot be
   * opened (corrupt), or was built from another incarnation of the changelog topic.
   */
  public static ViewIndex open(Path directory, String topicId) throws IOException {
    ViewIndex index = new ViewIndex(directory, topicId);
    index.openOrRebuild();
    return index;
  }

  private void openOrRebuild() throws IOException {
    boolean existed = Files.isDirectory(directory);
    if (existed) {
      try {
        openDatabase();
        byte[] stored = db.get(meta, TOPIC_ID);
        if (stored != null && new String(stored, StandardCharsets.UTF_8).equals(topicId)) {
          return;
        }
        LOG.info("view index {} belongs to another changelog incarnation: rebuilding", directory);
      } catch (RocksDBException e) {
        LOG.warn("view index {} cannot be opened ({}): rebuilding", directory, e.toString());
      }
      closeDatabase();
      Io.deleteRecursively(directory);
    }
    createEmpty();
  }

  private void createEmpty() throws IOException {
    Files.createDirectories(directory);
    try {
      openDatabase();
      db.put(meta, writeOptions, TOPIC_ID, topicId.getBytes(StandardCharsets.UTF_8));
      // Flushed at once: without it, a crash before the first memtable flush would leave an index
      // without its topic id, rebuilt again at the next open.
      try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
        db.flush(flush, List.of(rows, meta));
      }
    } catch (RocksDBException e) {
      closeDatabase();
      throw new IOException("cannot create view index " + directory, e);
    }
    rebuilt = true;
  }

  private void openDatabase() throws RocksDBException {
    dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setAtomicFlush(true)
            .setParanoidChecks(true)
            .setMaxBackgroundJobs(2);
    bloomFilter = new BloomFilter(10, false);
    familyOptions = tunedFamilyOptions(bloomFilter);
    List<ColumnFamilyDescriptor> families =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions),
            new ColumnFamilyDescriptor(META_FAMILY, familyOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    db = RocksDB.open(dbOptions, directory.toString(), families, handles);
    rows = handles.get(0);
    meta = handles.get(1);
  }

  /**
   * Measured choices (ViewIndexCpuTime, docs/benchmarks.md): small memtables (8 MiB, up to 4) keep
   * the skip list the indexer inserts into within the CPU caches, which doubled upserts per
   * indexer-thread CPU-second over the 64 MiB default; no compression and universal compaction cut
   * the flush and compaction CPU a changelog of overwrites causes. The files are a cache of the
   * changelog, so their size on disk matters less than the CPU. Bloom filters keep point lookups to
   * one file read.
   */
  private static ColumnFamilyOptions tunedFamilyOptions(BloomFilter bloomFilter) {
    return new ColumnFamilyOptions()
        .setWriteBufferSize(8L << 20)
        .setMaxWriteBufferNumber(4)
        .setCompressionType(CompressionType.NO_COMPRESSION)
        .setCompactionStyle(CompactionStyle.UNIVERSAL)
        .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(bloomFilter));
  }

  /** True if this open started from nothing (missing, corrupt or stale files). */
  public boolean wasRebuilt() {
    return rebuilt;
  }

  public Path directory() {
    return directory;
  }

  // ---------------------------------------------------------------------------------- writer

  /**
   * The next offset of {@code partition} to apply, or -1 if the index has applied nothing of it.
   */
  public long nextOffset(int partition) {
    lock.readLock().lock();
    try {
      ensureOpen();
      byte[] stored = db.get(meta, nextKey(partition));
      return stored == null ? -1 : ByteBuffer.wrap(stored).getLong();
    } catch (RocksDBException e) {
      throw new ViewStoreException("reading the position of " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Applies records of one partition in offset order, then records {@code nextOffset} as its
   * position, atomically. The latest record per key wins: a value upserts, a null value deletes, a
   * record older than {@code expiredBeforeMs} deletes too (it reads as absent anyway), a record
   * without a key is skipped. Records below the partition's current position must be filtered out
   * by the caller.
   *
   * @return the number of keyless records skipped
   */
  public int apply(int partition, List<LogRecord> records, long nextOffset, long expiredBeforeMs) {
    lock.readLock().lock();
    try {
      ensureOpen();
      encoder.reset();
      int skipped = 0;
      for (LogRecord record : records) {
        byte[] key = record.key();
        if (key == null) {
          skipped++;
        } else if (record.value() == null || record.timestamp() < expiredBeforeMs) {
          encoder.delete(key);
        } else {
          encoder.putRow(key, record.timestamp(), record.offset(), partition, record.value());
        }
      }
      encoder.put(meta.getID(), nextKey(partition), longBytes(nextOffset));
      try (WriteBatch batch = new WriteBatch(encoder.toByteArray())) {
        db.write(writeOptions, batch);
      }
      return skipped;
    } catch (RocksDBException e) {
      throw new ViewStoreException("writing to " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** What {@link #applyBatches} did. */
  public record Applied(int records, int keyless) {}

  /**
   * Like {@link #apply}, straight from stored record batches (position to limit), without building
   * a {@link LogRecord} per record: records below {@code fromOffset} (the first batch may straddle
   * it) are left out.
   */
  public Applied applyBatches(
      int partition, ByteBuffer batches, long fromOffset, long nextOffset, long expiredBeforeMs) {
    lock.readLock().lock();
    try {
      ensureOpen();
      encoder.reset();
      int[] counts = new int[2];
      RecordBatches.forEachRecord(
          batches,
          (offset, timestamp, key, value) -> {
            if (offset < fromOffset) {
              return;
            }
            counts[0]++;
            if (key == null) {
              counts[1]++;
            } else if (value == null || timestamp < expiredBeforeMs) {
              encoder.delete(key);
            } else {
              encoder.putRow(key, timestamp, offset, partition, value);
            }
          });
      encoder.put(meta.getID(), nextKey(partition), longBytes(nextOffset));
      try (WriteBatch batch = new WriteBatch(encoder.toByteArray())) {
        db.write(writeOptions, batch);
      }
      return new Applied(counts[0], counts[1]);
    } catch (RocksDBException e) {
      throw new ViewStoreException("writing to " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Deletes every row whose timestamp is before {@code expiredBeforeMs} (a full pass over the
   * rows).
   *
   * @return the number of rows deleted
   */
  public long purgeExpired(long expiredBeforeMs) {
    lock.readLock().lock();
    long purged = 0;
    try {
      ensureOpen();
    } catch (RuntimeException e) {
      lock.readLock().unlock();
      throw e;
    }
    try (RocksIterator iterator = db.newIterator(rows);
        WriteBatch deletes = new WriteBatch()) {
      for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
        if (timestampOf(iterator.value()) < expiredBeforeMs) {
          deletes.delete(rows, iterator.key());
          purged++;
          if (deletes.count() >= PURGE_BATCH) {
            db.write(writeOptions, deletes);
            deletes.clear();
          }
        }
      }
      if (deletes.count() > 0) {
        db.write(writeOptions, deletes);
      }
      return purged;
    } catch (RocksDBException e) {
      throw new ViewStoreException("purging expired rows of " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Throws everything away and starts empty (the changelog is replayed from its start). */
  public void wipe() throws IOException {
    lock.writeLock().lock();
    try {
      ensureOpen();
      closeDatabase();
      Io.deleteRecursively(directory);
      createEmpty();
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---------------------------------------------------------------------------------- readers

  /** The row of {@code key}, or null if absent or older than {@code expiredBeforeMs}. */
  public Row get(byte[] key, long expiredBeforeMs) {
    lock.readLock().lock();
    try {
      ensureOpen();
      byte[] stored = db.get(rows, key);
      if (stored == null || timestampOf(stored) < expiredBeforeMs) {
        return null;
      }
      return decode(key, stored);
    } catch (RocksDBException e) {
      throw new ViewStoreException("reading from " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Rows in key order with keys in [{@code from}, {@code to}) that start with {@code prefix} and
   * lie strictly after {@code after} (each bound null for none), at most {@code limit} of them,
   * looking at no more than {@code maxExamined} keys (expired rows are skipped, not returned). The
   * page's last examined key is where the next page continues (null when nothing is left).
   */
  public Page scan(
      byte[] prefix,
      byte[] from,
      byte[] to,
      byte[] after,
      int limit,
      int maxExamined,
      long expiredBeforeMs) {
    lock.readLock().lock();
    try {
      ensureOpen();
    } catch (RuntimeException e) {
      lock.readLock().unlock();
      throw e;
    }
    try (RocksIterator iterator = db.newIterator(rows)) {
      byte[] start = max(prefix, from);
      if (after != null) {
        start = max(start, successor(after));
      }
      if (start == null) {
        iterator.seekToFirst();
      } else {
        iterator.seek(start);
      }
      List<Row> found = new ArrayList<>(Math.min(limit, 1024));
      byte[] last = null;
      for (int examined = 0; iterator.isValid(); iterator.next()) {
        byte[] key = iterator.key();
        if ((to != null && Arrays.compareUnsigned(key, to) >= 0)
            || (prefix != null && !startsWith(key, prefix))) {
          return new Page(found, null);
        }
        if (found.size() == limit || examined == maxExamined) {
          return new Page(found, last);
        }
        examined++;
        last = key;
        byte[] stored = iterator.value();
        if (timestampOf(stored) >= expiredBeforeMs) {
          found.add(decode(key, stored));
        }
      }
      iterator.status();
      return new Page(found, null);
    } catch (RocksDBException e) {
      throw new ViewStoreException("scanning " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** RocksDB's estimate of the number of rows (expired rows count until purged). */
  public long approximateRows() {
    lock.readLock().lock();
    try {
      ensureOpen();
      return db.getLongProperty(rows, "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      throw new ViewStoreException("reading statistics of " + directory, e);
    } finally {
      lock.readLock().unlock();
    }
  }

  // ----------------------------------------------------------------------------------- close

  /** Flushes the memtables (the index does not use RocksDB's WAL) and closes. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeDatabase();
      writeOptions.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void closeDatabase() {
    if (db != null) {
      try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
        db.flush(flush, List.of(rows, meta));
      } catch (RocksDBException e) {
        // Only costs a longer replay next time: the position is flushed with the rows or not at
        // all.
        LOG.warn("flushing view index {} failed: {}", directory, e.toString());
      }
      rows.close();
      meta.close();
      db.close();
      db = null;
    }
    if (familyOptions != null) {
      familyOptions.close();
      familyOptions = null;
    }
    if (bloomFilter != null) {
      bloomFilter.close();
      bloomFilter = null;
    }
    if (dbOptions != null) {
      dbOptions.close();
      dbOptions = null;
    }
  }

  private void ensureOpen() {
    if (closed || db == null) {
      throw new IllegalStateException("view index " + directory + " is closed");
    }
  }

  // --------------------------------------------------------------------------------- layout

  static Row decode(byte[] key, byte[] stored) {
    ByteBuffer buffer = ByteBuffer.wrap(stored);
    long timestamp = buffer.getLong();
    long offset = buffer.getLong();
    int partition = buffer.getInt();
    return new Row(
        key, Arrays.copyOfRange(stored, HEADER_BYTES, stored.length), partition, offset, timestamp);
  }

  private static long timestampOf(byte[] stored) {
    return ByteBuffer.wrap(stored).getLong(0);
  }

  private static byte[] nextKey(int partition) {
    return (NEXT_PREFIX + partition).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] longBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  /** The smallest key greater than {@code key}: the key followed by a zero byte. */
  private static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  private static byte[] max(byte[] a, byte[] b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return Arrays.compareUnsigned(a, b) >= 0 ? a : b;
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
