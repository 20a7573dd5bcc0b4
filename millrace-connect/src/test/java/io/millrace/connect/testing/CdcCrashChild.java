package io.millrace.connect.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.connect.SourcePositionStore;
import io.millrace.connect.cdc.CdcSource;
import io.millrace.connect.cdc.CdcSourceConfig;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * The process the CDC kill test kills with {@code kill -9}: opens a log on {@code args[0]} and runs
 * a CDC source named {@code args[2]} against the PostgreSQL on port {@code args[1]}, capturing the
 * tables matching {@code args[3]}, until it is killed.
 */
public final class CdcCrashChild {

  private CdcCrashChild() {}

  public static CdcSourceConfig config(int port, String name, String tablePattern) {
    CdcSourceConfig base =
        CdcSourceConfig.of(name, "127.0.0.1", port, "postgres", "postgres", "", name);
    return new CdcSourceConfig(
        base.name(),
        base.hostname(),
        base.port(),
        base.database(),
        base.username(),
        base.password(),
        base.topicPrefix(),
        "{prefix}.{table}",
        1,
        false,
        List.of(tablePattern),
        List.of(),
        List.of(),
        List.of(),
        8,
        base.slotName(),
        "pub_" + name,
        "all_tables",
        base.snapshotMode(),
        1_000,
        0,
        java.util.Map.of());
  }

  public static void main(String[] args) throws Exception {
    Log log = Log.open(LogOptions.defaults(Path.of(args[0])));
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    CdcSource source =
        new CdcSource(
            config(Integer.parseInt(args[1]), args[2], args[3]),
            log,
            writer,
            new SourcePositionStore(log, writer, new ObjectMapper()),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    source.start();
    System.out.println("READY ;");
    System.out.flush();
    CdcSource.State shown = null;
    boolean snapshotShown = false;
    while (true) { // until killed: tell the test each new state
      CdcSource.State now = source.state();
      if (now != shown) {
        System.out.println("STATE " + now);
        System.out.flush();
        shown = now;
      }
      boolean snapshotting = now == CdcSource.State.STARTING && source.status().snapshotting();
      if (!snapshotShown && snapshotting) {
        System.out.println("SNAPSHOTTING"); // snapshot rows are being written
        System.out.flush();
        snapshotShown = true;
      }
      CdcSource.State seen = now;
      boolean snapshotSeen = snapshotShown;
      // The next thing to report: a new state, or the snapshot starting.
      org.awaitility.Awaitility.await()
          .forever()
          .pollInterval(java.time.Duration.ofMillis(20))
          .until(
              () ->
                  source.state() != seen
                      || (!snapshotSeen
                          && source.state() == CdcSource.State.STARTING
                          && source.status().snapshotting()));
    }
  }
}
