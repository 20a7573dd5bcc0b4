package io.millrace.connect.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for a test: Debian's server binaries ({@code apt-get install
 * postgresql}; .ci/run installs them) run on a fresh cluster in a temporary directory, listening on
 * 127.0.0.1 on a free port, with trust authentication for user {@code postgres}. PostgreSQL refuses
 * to run as root, so when the test runs as root the server runs as the {@code postgres} user
 * (through {@code runuser}). Closing stops the server (fast shutdown) and removes the cluster.
 *
 * <p>{@link #find()} is empty when no server binaries are installed, so a local run without them
 * can skip; CI installs them and must not skip (the test checks the CI variable).
 */
public final class PostgresServer implements AutoCloseable {

  private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

  private final Path bin;
  private final Path dataDir;
  private final int port;
  private final boolean asPostgresUser;
  private final String extraOptions;

  private PostgresServer(
      Path bin, Path dataDir, int port, boolean asPostgresUser, String extraOptions) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
    this.extraOptions = extraOptions;
  }

  /** The newest installed server's bin directory, if any. */
  public static Optional<Path> find() {
    if (!Files.isDirectory(DEBIAN_ROOT)) {
      return java.util.Optional.empty();
    }
    try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("postgres")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())));
    } catch (IOException | NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * The server's binaries for a test. Locally without PostgreSQL the test is skipped; in CI
   * (CI=true; .ci/run installs it) a missing one fails the test.
   */
  public static Path installedForTest() {
    Optional<Path> bin = find();
    if (!"true".equals(System.getenv("CI"))) {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          bin.isPresent(), "PostgreSQL's server is not installed (apt-get install postgresql)");
    }
    if (bin.isEmpty()) {
      throw new AssertionError("PostgreSQL's server must be installed in CI (see .ci/run)");
    }
    return bin.get();
  }

  /** Creates a cluster and starts the server; waits until it accepts connections. */
  public static PostgresServer start(Path bin) throws IOException, InterruptedException {
    return start(bin, "");
  }

  /**
   * Like {@link #start(Path)}, with {@code wal_level=logical} and room for replication slots and
   * WAL senders, as change data capture needs.
   */
  public static PostgresServer startLogical(Path bin) throws IOException, InterruptedException {
    return start(bin, " -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10");
  }

  private static PostgresServer start(Path bin, String extraOptions)
      throws IOException, InterruptedException {
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dataDir = Files.createTempDirectory("millrace-pg");
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", dataDir.toString()), false);
    }
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    PostgresServer server = new PostgresServer(bin, dataDir, port, root, extraOptions);
    Path cluster = dataDir.resolve("cluster");
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            cluster.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync"),
        root);
    server.startServer();
    return server;
  }

  /** Starts the server of the existing cluster (after {@link #stopServer}). */
  public void startServer() throws IOException, InterruptedException {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dataDir.resolve("cluster").toString(),
            "-l",
            dataDir.resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            "-p "
                + port
                + " -k "
                + dataDir
                + " -c listen_addresses=127.0.0.1 -c fsync=off"
                + extraOptions,
            "start"),
        asPostgresUser);
  }

  /** Stops the server (fast shutdown: connections are dropped), keeping the cluster. */
  public void stopServer() throws IOException, InterruptedException {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dataDir.resolve("cluster").toString(),
            "-m",
            "fast",
            "-w",
            "stop"),
        asPostgresUser);
  }

  public int port() {
    return port;
  }

  /** Stops the server (fast shutdown: sessions are terminated), keeping its cluster and port. */
  public void stop() throws IOException, InterruptedException {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dataDir.resolve("cluster").toString(),
            "-m",
            "fast",
            "-w",
            "stop"),
        asPostgresUser);
  }

  /** Starts a server {@link #stop stopped} before, on the same port; waits until it accepts. */
  public void restart() throws IOException, InterruptedException {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dataDir.resolve("cluster").toString(),
            "-l",
            dataDir.resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            "-p " + port + " -k " + dataDir + " -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"),
        asPostgresUser);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), "postgres", "");
  }

  private static void run(List<String> command, boolean asPostgresUser)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", full) + " failed:\n" + output);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      stopServer();
    } catch (IOException e) {
      // already stopped
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      io.millrace.log.segment.Io.deleteRecursively(dataDir);
    }
  }
}
