package io.millrace.connect.cdc;

import java.lang.management.ManagementFactory;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads what Debezium's connector publishes about itself as JMX MBeans (in the platform MBean
 * server, named by the source's {@code topic.prefix}): whether its streaming connection is up. That
 * is how a source knows it streams before any change arrives (a restart that resumes streaming has
 * nothing to snapshot), and that it is reconnecting after the database restarted.
 *
 * <p>Stateless and thread-safe.
 */
final class DebeziumMetricsReader {

  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private final ObjectName streamingPattern;

  DebeziumMetricsReader(String topicPrefix) {
    try {
      streamingPattern =
          new ObjectName(
              "debezium.postgres:type=connector-metrics,context=streaming,server="
                  + topicPrefix
                  + ",*");
    } catch (JMException e) {
      throw new IllegalArgumentException("topic prefix " + topicPrefix + " in a JMX name", e);
    }
  }

  /** Whether the connector's streaming connection is up; false when it is not (or not yet). */
  boolean streamingConnected() {
    Set<ObjectName> names = server.queryNames(streamingPattern, null);
    for (ObjectName name : names) {
      try {
        if (Boolean.TRUE.equals(server.getAttribute(name, "Connected"))) {
          return true;
        }
      } catch (JMException e) {
        // unregistered meanwhile: not connected
      }
    }
    return false;
  }
}
