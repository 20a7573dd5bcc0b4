package io.millrace.kafka.group;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * One classic group's membership and rebalance state. Every field is guarded by the group's own
 * monitor ({@code synchronized (group)}); the {@link GroupCoordinator} holds it for each call.
 */
final class ConsumerGroup {

  final String groupId;
  GroupState state = GroupState.EMPTY;
  int generationId;
  String protocolType;
  String protocolName;
  String leaderId;
  final Map<String, GroupMember> members = new LinkedHashMap<>();

  /** group.instance.id to member id, for static members. */
  final Map<String, String> staticMembers = new HashMap<>();

  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet used in a join. */
  final Set<String> pendingMemberIds = new HashSet<>();

  ScheduledFuture<?> rebalanceTimer;

  /**
   * The pending rebalance is the first of an empty group and waits its whole delay for more
   * members.
   */
  boolean waitingInitialDelay;

  ConsumerGroup(String groupId) {
    this.groupId = groupId;
  }

  /** The longest rebalance timeout of the current members (how long a rebalance may wait). */
  int rebalanceTimeoutMs() {
    int max = 0;
    for (GroupMember member : members.values()) {
      max = Math.max(max, member.rebalanceTimeoutMs);
    }
    return max;
  }

  boolean allMembersJoined() {
    for (GroupMember member : members.values()) {
      if (!member.isAwaitingJoin()) {
        return false;
      }
    }
    return true;
  }
}
