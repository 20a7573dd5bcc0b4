package io.millrace.bench.log;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Records and bytes moved by a throughput benchmark; JMH reports each field as a rate per second
 * next to the operation rate ("records" in records/s, "bytes" in bytes/s).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Throughput {

  public long records;
  public long bytes;

  @Setup(Level.Iteration)
  public void reset() {
    records = 0;
    bytes = 0;
  }
}
