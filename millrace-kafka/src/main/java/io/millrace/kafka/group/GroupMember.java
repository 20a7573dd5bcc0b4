package io.millrace.kafka.group;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/** A member of a classic group. Guarded by its group's lock. */
final class GroupMember {

  final String memberId;
  final String groupInstanceId;
  String clientId;
  String clientHost;
  int sessionTimeoutMs;
  int rebalanceTimeoutMs;
  String protocolType;

  /** Protocol name to metadata, in the member's order of preference. */
  Map<String, byte[]> protocols = new LinkedHashMap<>();

  byte[] assignment = new byte[0];
  long lastHeartbeatNanos;
  CompletableFuture<JoinGroupResponseData> pendingJoin;
  CompletableFuture<SyncGroupResponseData> pendingSync;

  GroupMember(String memberId, String groupInstanceId) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId;
  }

  boolean isAwaitingJoin() {
    return pendingJoin != null && !pendingJoin.isDone();
  }
}
