package io.millrace.kafka.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) for every
 * group, as Kafka's group coordinator runs it: a join moves the group to PreparingRebalance; once
 * every known member has rejoined (or the rebalance timeout passes, dropping those that did not)
 * the joins are answered with a new generation, the leader's answer carrying every member's
 * metadata; the leader's SyncGroup hands out the assignment and the group becomes Stable. Members
 * that stop heartbeating for their session timeout are removed, which rebalances.
 *
 * <p>Static members (group.instance.id) that come back while the group is Stable get their old
 * assignment without a rebalance, as KIP-345 describes.
 *
 * <p>CONCURRENCY: one monitor per group; handlers on network threads call in, timers on {@code
 * scheduler} call in; responses are futures completed under the group's monitor.
 */
public final class GroupCoordinator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

  private final Map<String, ConsumerGroup> groups = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final long initialRebalanceDelayMs;

  /**
   * @param initialRebalanceDelayMs how long the first rebalance of an empty group waits for more
   *     members (Kafka's group.initial.rebalance.delay.ms)
   */
  public GroupCoordinator(ScheduledExecutorService scheduler, long initialRebalanceDelayMs) {
    this.scheduler = scheduler;
    this.initialRebalanceDelayMs = initialRebalanceDelayMs;
    scheduler.scheduleWithFixedDelay(this::expireMembers, 500, 500, TimeUnit.MILLISECONDS);
  }

  /** A JoinGroup request's fields. */
  public record Join(
      String groupId,
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs,
      String protocolType,
      Map<String, byte[]> protocols,
      boolean requireKnownMemberId) {}

  public CompletableFuture<JoinGroupResponseData> join(Join join) {
    ConsumerGroup group = groups.computeIfAbsent(join.groupId(), ConsumerGroup::new);
    synchronized (group) {
      if (group.state == GroupState.DEAD) {
        return joinError(Errors.COORDINATOR_NOT_AVAILABLE, join.memberId());
      }
      if (group.protocolType != null
          && !group.members.isEmpty()
          && !group.protocolType.equals(join.protocolType())) {
        return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, join.memberId());
      }
      if (!group.members.isEmpty() && commonProtocols(group, join.protocols()).isEmpty()) {
        return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, join.memberId());
      }
      String memberId = join.memberId();
      if (memberId.isEmpty()) {
        memberId = join.clientId() + "-" + UUID.randomUUID();
        if (join.groupInstanceId() != null) {
          return joinStatic(group, join, memberId);
        }
        if (join.requireKnownMemberId()) {
          group.pendingMemberIds.add(memberId);
          return joinError(Errors.MEMBER_ID_REQUIRED, memberId);
        }
      } else if (!group.members.containsKey(memberId) && !group.pendingMemberIds.remove(memberId)) {
        return joinError(Errors.UNKNOWN_MEMBER_ID, memberId);
      }
      GroupMember member =
          group.members.computeIfAbsent(
              memberId, id -> new GroupMember(id, join.groupInstanceId()));
      if (join.groupInstanceId() != null) {
        group.staticMembers.put(join.groupInstanceId(), memberId);
      }
      update(member, join);
      member.pendingJoin = new CompletableFuture<>();
      CompletableFuture<JoinGroupResponseData> response = member.pendingJoin;
      if (group.state == GroupState.PREPARING_REBALANCE) {
        if (group.allMembersJoined() && !group.waitingInitialDelay) {
          completeJoin(group);
        }
      } else {
        prepareRebalance(group, "member " + memberId + " joined");
      }
      return response;
    }
  }

  /** A static member (re)joining with a new member id: fence the old one, keep its assignment. */
  private CompletableFuture<JoinGroupResponseData> joinStatic(
      ConsumerGroup group, Join join, String newMemberId) {
    String oldMemberId = group.staticMembers.get(join.groupInstanceId());
    GroupMember old = oldMemberId == null ? null : group.members.remove(oldMemberId);
    GroupMember member = new GroupMember(newMemberId, join.groupInstanceId());
    update(member, join);
    group.members.put(newMemberId, member);
    group.staticMembers.put(join.groupInstanceId(), newMemberId);
    if (old != null) {
      member.assignment = old.assignment;
      if (old.pendingJoin != null) {
        old.pendingJoin.complete(joinErrorData(Errors.FENCED_INSTANCE_ID, oldMemberId));
      }
      if (group.leaderId != null && group.leaderId.equals(oldMemberId)) {
        group.leaderId = newMemberId;
      }
      if (group.state == GroupState.STABLE && !oldMemberId.equals(group.leaderId)) {
        // KIP-345: the returning member gets its old assignment through SyncGroup, no rebalance.
        return CompletableFuture.completedFuture(
            new JoinGroupResponseData()
                .setGenerationId(group.generationId)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(newMemberId)
                .setMembers(List.of()));
      }
    }
    member.pendingJoin = new CompletableFuture<>();
    CompletableFuture<JoinGroupResponseData> response = member.pendingJoin;
    if (group.state == GroupState.PREPARING_REBALANCE) {
      if (group.allMembersJoined() && !group.waitingInitialDelay) {
        completeJoin(group);
      }
    } else {
      prepareRebalance(group, "static member " + join.groupInstanceId() + " joined");
    }
    return response;
  }

  private static void update(GroupMember member, Join join) {
    member.clientId = join.clientId();
    member.clientHost = join.clientHost();
    member.sessionTimeoutMs = join.sessionTimeoutMs();
    member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
    member.protocolType = join.protocolType();
    member.protocols = new java.util.LinkedHashMap<>(join.protocols());
    member.lastHeartbeatNanos = System.nanoTime();
  }

  /** Starts a rebalance: answers pending syncs, waits for every member to rejoin. */
  private void prepareRebalance(ConsumerGroup group, String reason) {
    LOG.info("group {}: rebalancing ({})", group.groupId, reason);
    boolean wasEmpty = group.state == GroupState.EMPTY;
    group.state = GroupState.PREPARING_REBALANCE;
    for (GroupMember member : group.members.values()) {
      if (member.pendingSync != null && !member.pendingSync.isDone()) {
        member.pendingSync.complete(syncErrorData(Errors.REBALANCE_IN_PROGRESS));
      }
    }
    long delayMs = wasEmpty ? initialRebalanceDelayMs : group.rebalanceTimeoutMs();
    if (group.allMembersJoined() && (!wasEmpty || delayMs == 0)) {
      completeJoin(group);
      return;
    }
    cancelTimer(group);
    group.waitingInitialDelay = wasEmpty;
    group.rebalanceTimer =
        scheduler.schedule(() -> onRebalanceTimeout(group), delayMs, TimeUnit.MILLISECONDS);
  }

  private void onRebalanceTimeout(ConsumerGroup group) {
    synchronized (group) {
      group.rebalanceTimer = null;
      group.waitingInitialDelay = false;
      if (group.state != GroupState.PREPARING_REBALANCE) {
        return;
      }
      for (GroupMember member : List.copyOf(group.members.values())) {
        if (!member.isAwaitingJoin()) {
          LOG.info("group {}: member {} did not rejoin in time", group.groupId, member.memberId);
          removeMember(group, member);
        }
      }
      completeJoin(group);
    }
  }

  /** Answers every pending join with a new generation. */
  private void completeJoin(ConsumerGroup group) {
    cancelTimer(group);
    group.generationId++;
    if (group.members.isEmpty()) {
      group.state = GroupState.EMPTY;
      group.protocolName = null;
      group.leaderId = null;
      return;
    }
    GroupMember first = group.members.values().iterator().next();
    group.protocolType = first.protocolType;
    group.protocolName = chooseProtocol(group);
    if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
      group.leaderId = first.memberId;
    }
    group.state = GroupState.COMPLETING_REBALANCE;
    List<JoinGroupResponseData.JoinGroupResponseMember> all = new ArrayList<>();
    for (GroupMember member : group.members.values()) {
      all.add(
          new JoinGroupResponseData.JoinGroupResponseMember()
              .setMemberId(member.memberId)
              .setGroupInstanceId(member.groupInstanceId)
              .setMetadata(member.protocols.get(group.protocolName)));
    }
    long now = System.nanoTime();
    for (GroupMember member : group.members.values()) {
      member.lastHeartbeatNanos = now;
      if (member.pendingJoin == null) {
        continue;
      }
      boolean leader = member.memberId.equals(group.leaderId);
      member.pendingJoin.complete(
          new JoinGroupResponseData()
              .setGenerationId(group.generationId)
              .setProtocolType(group.protocolType)
              .setProtocolName(group.protocolName)
              .setLeader(group.leaderId)
              .setMemberId(member.memberId)
              .setMembers(leader ? all : List.of()));
      member.pendingJoin = null;
    }
    LOG.info(
        "group {}: generation {} with {} members, leader {}",
        group.groupId,
        group.generationId,
        group.members.size(),
        group.leaderId);
  }

  /** The protocol every member supports that most members prefer (Kafka's vote). */
  private static String chooseProtocol(ConsumerGroup group) {
    List<String> candidates = new ArrayList<>();
    GroupMember first = group.members.values().iterator().next();
    for (String name : first.protocols.keySet()) {
      boolean everyone = true;
      for (GroupMember member : group.members.values()) {
        everyone &= member.protocols.containsKey(name);
      }
      if (everyone) {
        candidates.add(name);
      }
    }
    Map<String, Integer> votes = new HashMap<>();
    for (GroupMember member : group.members.values()) {
      for (String name : member.protocols.keySet()) {
        if (candidates.contains(name)) {
          votes.merge(name, 1, Integer::sum);
          break;
        }
      }
    }
    String best =
        candidates.isEmpty() ? first.protocols.keySet().iterator().next() : candidates.get(0);
    for (String name : candidates) {
      if (votes.getOrDefault(name, 0) > votes.getOrDefault(best, 0)) {
        best = name;
      }
    }
    return best;
  }

  private static List<String> commonProtocols(ConsumerGroup group, Map<String, byte[]> offered) {
    List<String> common = new ArrayList<>();
    for (String name : offered.keySet()) {
      boolean everyone = true;
      for (GroupMember member : group.members.values()) {
        everyone &= member.protocols.containsKey(name);
      }
      if (everyone) {
        common.add(name);
      }
    }
    return common;
  }

  /** SyncGroup: the leader hands out assignments; every member gets its own. */
  public CompletableFuture<SyncGroupResponseData> sync(
      String groupId, int generationId, String memberId, Map<String, byte[]> assignments) {
    ConsumerGroup group = groups.get(groupId);
    if (group == null) {
      return CompletableFuture.completedFuture(syncErrorData(Errors.UNKNOWN_MEMBER_ID));
    }
    synchronized (group) {
      GroupMember member = group.members.get(memberId);
      if (member == null) {
        return CompletableFuture.completedFuture(syncErrorData(Errors.UNKNOWN_MEMBER_ID));
      }
      if (generationId != group.generationId) {
        return CompletableFuture.completedFuture(syncErrorData(Errors.ILLEGAL_GENERATION));
      }
      member.lastHeartbeatNanos = System.nanoTime();
      switch (group.state) {
        case PREPARING_REBALANCE, EMPTY, DEAD -> {
          return CompletableFuture.completedFuture(syncErrorData(Errors.REBALANCE_IN_PROGRESS));
        }
        case STABLE -> {
          return CompletableFuture.completedFuture(syncData(group, member));
        }
        case COMPLETING_REBALANCE -> {
          member.pendingSync = new CompletableFuture<>();
          CompletableFuture<SyncGroupResponseData> response = member.pendingSync;
          if (memberId.equals(group.leaderId)) {
            for (GroupMember each : group.members.values()) {
              each.assignment = assignments.getOrDefault(each.memberId, new byte[0]);
            }
            group.state = GroupState.STABLE;
            for (GroupMember each : group.members.values()) {
              if (each.pendingSync != null && !each.pendingSync.isDone()) {
                each.pendingSync.complete(syncData(group, each));
              }
              each.pendingSync = null;
            }
          }
          return response;
        }
      }
      throw new IllegalStateException("unreachable");
    }
  }

  private static SyncGroupResponseData syncData(ConsumerGroup group, GroupMember member) {
    return new SyncGroupResponseData()
        .setProtocolType(group.protocolType)
        .setProtocolName(group.protocolName)
        .setAssignment(member.assignment);
  }

  /** Heartbeat: keeps the member alive and tells it when to rejoin. */
  public Errors heartbeat(String groupId, int generationId, String memberId) {
    ConsumerGroup group = groups.get(groupId);
    if (group == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    synchronized (group) {
      GroupMember member = group.members.get(memberId);
      if (member == null) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      member.lastHeartbeatNanos = System.nanoTime();
      if (group.state == GroupState.PREPARING_REBALANCE) {
        return Errors.REBALANCE_IN_PROGRESS;
      }
      if (generationId != group.generationId) {
        return Errors.ILLEGAL_GENERATION;
      }
      return Errors.NONE;
    }
  }

  /** LeaveGroup for one member, named by member id or group.instance.id. */
  public Errors leave(String groupId, String memberId, String groupInstanceId) {
    ConsumerGroup group = groups.get(groupId);
    if (group == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    synchronized (group) {
      String id = memberId;
      if ((id == null || id.isEmpty()) && groupInstanceId != null) {
        id = group.staticMembers.get(groupInstanceId);
      }
      GroupMember member = id == null ? null : group.members.get(id);
      if (member == null) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      removeMember(group, member);
      rebalanceAfterDeparture(group, "member " + id + " left");
      return Errors.NONE;
    }
  }

  private void rebalanceAfterDeparture(ConsumerGroup group, String reason) {
    if (group.members.isEmpty()) {
      cancelTimer(group);
      group.generationId++;
      group.state = GroupState.EMPTY;
      group.leaderId = null;
      group.protocolName = null;
      LOG.info("group {}: empty ({})", group.groupId, reason);
    } else if (group.state == GroupState.PREPARING_REBALANCE) {
      if (group.allMembersJoined()) {
        completeJoin(group);
      }
    } else {
      prepareRebalance(group, reason);
    }
  }

  private static void removeMember(ConsumerGroup group, GroupMember member) {
    group.members.remove(member.memberId);
    if (member.groupInstanceId != null) {
      group.staticMembers.remove(member.groupInstanceId, member.memberId);
    }
    if (member.pendingJoin != null && !member.pendingJoin.isDone()) {
      member.pendingJoin.complete(joinErrorData(Errors.UNKNOWN_MEMBER_ID, member.memberId));
    }
    if (member.pendingSync != null && !member.pendingSync.isDone()) {
      member.pendingSync.complete(syncErrorData(Errors.UNKNOWN_MEMBER_ID));
    }
  }

  /** Removes members whose session timed out (those waiting in a join wait for the rebalance). */
  private void expireMembers() {
    long now = System.nanoTime();
    for (ConsumerGroup group : groups.values()) {
      synchronized (group) {
        for (GroupMember member : List.copyOf(group.members.values())) {
          if (member.isAwaitingJoin()) {
            continue;
          }
          if (now - member.lastHeartbeatNanos
              > TimeUnit.MILLISECONDS.toNanos(member.sessionTimeoutMs)) {
            removeMember(group, member);
            rebalanceAfterDeparture(
                group, "member " + member.memberId + " missed its session timeout");
          }
        }
      }
    }
  }

  /**
   * Checks that an offset commit comes from a current member (generation >= 0), or from a client
   * outside group management while the group has no members (generation -1).
   *
   * <p>As in Kafka, a member of the current generation may commit while the group is preparing a
   * rebalance: that is when members commit what they processed before giving their partitions up
   * (librdkafka commits on revoke before it rejoins; the Java client before its JoinGroup). Only
   * between the joins and the SyncGroup, when the generation has moved on but assignments are not
   * out yet, is a commit refused with {@code REBALANCE_IN_PROGRESS}.
   */
  public Errors validateCommit(String groupId, int generationId, String memberId) {
    ConsumerGroup group = groups.get(groupId);
    if (group == null) {
      return generationId < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }
    synchronized (group) {
      if (generationId < 0) {
        return group.members.isEmpty() ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
      }
      GroupMember member = group.members.get(memberId);
      if (member == null) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      if (generationId != group.generationId) {
        return Errors.ILLEGAL_GENERATION;
      }
      if (group.state == GroupState.COMPLETING_REBALANCE) {
        return Errors.REBALANCE_IN_PROGRESS;
      }
      member.lastHeartbeatNanos = System.nanoTime();
      return Errors.NONE;
    }
  }

  /** A group's membership as DescribeGroups reports it. */
  public record Description(
      String groupId,
      GroupState state,
      String protocolType,
      String protocolName,
      List<MemberDescription> members) {}

  /** One member as DescribeGroups reports it. */
  public record MemberDescription(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      byte[] metadata,
      byte[] assignment) {}

  /** Describes a group; a group the coordinator has never seen is Empty (or Dead if unknown). */
  public Description describe(String groupId) {
    ConsumerGroup group = groups.get(groupId);
    if (group == null) {
      return new Description(groupId, GroupState.DEAD, "", "", List.of());
    }
    synchronized (group) {
      List<MemberDescription> members = new ArrayList<>();
      for (GroupMember member : group.members.values()) {
        members.add(
            new MemberDescription(
                member.memberId,
                member.groupInstanceId,
                member.clientId,
                member.clientHost,
                group.protocolName == null
                    ? new byte[0]
                    : member.protocols.getOrDefault(group.protocolName, new byte[0]),
                group.state == GroupState.STABLE ? member.assignment : new byte[0]));
      }
      return new Description(
          groupId,
          group.state,
          group.protocolType == null ? "" : group.protocolType,
          group.state == GroupState.STABLE ? group.protocolName : "",
          members);
    }
  }

  /** Groups with members, and their state. */
  public Map<String, Description> activeGroups() {
    Map<String, Description> result = new HashMap<>();
    for (String groupId : groups.keySet()) {
      Description description = describe(groupId);
      if (description.state() != GroupState.DEAD) {
        result.put(groupId, description);
      }
    }
    return result;
  }

  /** Forgets a group with no members (DeleteGroups); NON_EMPTY_GROUP if it has members. */
  public Errors delete(String groupId) {
    ConsumerGroup group = groups.get(groupId);
    if (group == null) {
      return Errors.NONE;
    }
    synchronized (group) {
      if (!group.members.isEmpty()) {
        return Errors.NON_EMPTY_GROUP;
      }
      group.state = GroupState.DEAD;
      groups.remove(groupId, group);
      return Errors.NONE;
    }
  }

  private static void cancelTimer(ConsumerGroup group) {
    group.waitingInitialDelay = false;
    if (group.rebalanceTimer != null) {
      group.rebalanceTimer.cancel(false);
      group.rebalanceTimer = null;
    }
  }

  private static CompletableFuture<JoinGroupResponseData> joinError(Errors error, String memberId) {
    return CompletableFuture.completedFuture(joinErrorData(error, memberId));
  }

  private static JoinGroupResponseData joinErrorData(Errors error, String memberId) {
    return new JoinGroupResponseData()
        .setErrorCode(error.code())
        .setGenerationId(-1)
        .setMemberId(memberId)
        .setLeader("")
        .setProtocolName(null);
  }

  private static SyncGroupResponseData syncErrorData(Errors error) {
    return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
  }

  @Override
  public void close() {
    for (ConsumerGroup group : groups.values()) {
      synchronized (group) {
        cancelTimer(group);
        for (GroupMember member : List.copyOf(group.members.values())) {
          removeMember(group, member);
        }
      }
    }
  }
}
