package io.millrace.connect.cdc;

/** When a CDC source reads the tables' existing rows before it streams changes. */
public enum SnapshotMode {
  /** Snapshot once, when the source has no stored position; then stream. */
  INITIAL("initial"),
  /** Never snapshot: stream changes from the slot's position only. */
  NEVER("no_data"),
  /**
   * Snapshot when there is no stored position, or when the stored position is no longer available
   * in the database's write-ahead log (the slot was dropped or recreated).
   */
  WHEN_NEEDED("when_needed");

  private final String debeziumName;

  SnapshotMode(String debeziumName) {
    this.debeziumName = debeziumName;
  }

  /** The value of Debezium's {@code snapshot.mode} for this mode. */
  public String debeziumName() {
    return debeziumName;
  }
}
