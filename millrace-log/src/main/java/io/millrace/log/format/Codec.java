package io.millrace.log.format;

import org.apache.kafka.common.compress.Compression;

/** Compression codecs of record batch v2, with the ids stored in the batch attributes. */
public enum Codec {
  NONE(0),
  GZIP(1),
  SNAPPY(2),
  LZ4(3),
  ZSTD(4);

  private final int id;

  Codec(int id) {
    this.id = id;
  }

  public int id() {
    return id;
  }

  public static Codec ofId(int id) {
    for (Codec codec : values()) {
      if (codec.id == id) {
        return codec;
      }
    }
    throw new IllegalArgumentException("unknown compression id " + id);
  }

  Compression compression() {
    return switch (this) {
      case NONE -> Compression.NONE;
      case GZIP -> Compression.gzip().build();
      case SNAPPY -> Compression.snappy().build();
      case LZ4 -> Compression.lz4().build();
      case ZSTD -> Compression.zstd().build();
    };
  }
}
