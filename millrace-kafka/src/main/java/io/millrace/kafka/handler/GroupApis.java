package io.millrace.kafka.handler;

import io.millrace.kafka.group.GroupCoordinator;
import io.millrace.kafka.group.GroupState;
import io.millrace.log.TopicPartition;
import io.millrace.log.offsets.GroupOffsetStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/**
 * The consumer-group APIs: translates Kafka's group requests to the {@link GroupCoordinator}
 * (membership) and the log's {@link GroupOffsetStore} (committed offsets, shared with pipelines).
 * This node coordinates every group.
 */
public final class GroupApis implements ApiHandler {

  /** The APIs this handler answers. */
  public static final Set<ApiKeys> APIS =
      Set.of(
          ApiKeys.FIND_COORDINATOR,
          ApiKeys.JOIN_GROUP,
          ApiKeys.SYNC_GROUP,
          ApiKeys.HEARTBEAT,
          ApiKeys.LEAVE_GROUP,
          ApiKeys.LIST_GROUPS,
          ApiKeys.DESCRIBE_GROUPS,
          ApiKeys.DELETE_GROUPS,
          ApiKeys.OFFSET_COMMIT,
          ApiKeys.OFFSET_FETCH,
          ApiKeys.OFFSET_DELETE);

  private final Broker broker;
  private final GroupCoordinator coordinator;
  private final Executor adminExecutor;

  public GroupApis(Broker broker, GroupCoordinator coordinator, Executor adminExecutor) {
    this.broker = broker;
    this.coordinator = coordinator;
    this.adminExecutor = adminExecutor;
  }

  private GroupOffsetStore offsets() {
    return broker.log().offsetStore();
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    return switch (context.header.apiKey()) {
      case FIND_COORDINATOR -> done(findCoordinator((FindCoordinatorRequest) request, context));
      case JOIN_GROUP -> joinGroup((JoinGroupRequest) request, context);
      case SYNC_GROUP -> syncGroup((SyncGroupRequest) request, context);
      case HEARTBEAT -> done(heartbeat((HeartbeatRequest) request));
      case LEAVE_GROUP -> done(leaveGroup((LeaveGroupRequest) request));
      case LIST_GROUPS -> done(listGroups((ListGroupsRequest) request));
      case DESCRIBE_GROUPS -> done(describeGroups((DescribeGroupsRequest) request));
      case DELETE_GROUPS ->
          CompletableFuture.supplyAsync(
              () -> deleteGroups((DeleteGroupsRequest) request), adminExecutor);
      case OFFSET_COMMIT -> offsetCommit((OffsetCommitRequest) request);
      case OFFSET_FETCH -> done(offsetFetch((OffsetFetchRequest) request, context.apiVersion()));
      case OFFSET_DELETE -> offsetDelete((OffsetDeleteRequest) request);
      default -> throw new IllegalArgumentException("not a group API: " + context.header.apiKey());
    };
  }

  private static CompletableFuture<AbstractResponse> done(AbstractResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private AbstractResponse findCoordinator(FindCoordinatorRequest request, RequestContext context) {
    FindCoordinatorRequestData data = request.data();
    FindCoordinatorResponseData response = new FindCoordinatorResponseData();
    int port = broker.advertisedPort().getAsInt();
    if (context.apiVersion() < 4) {
      // Versions before 4 ask for one key and get one coordinator at the top level.
      response.setNodeId(Broker.NODE_ID).setHost(broker.advertisedHost()).setPort(port);
      return new FindCoordinatorResponse(response);
    }
    for (String key : data.coordinatorKeys()) {
      response
          .coordinators()
          .add(
              new FindCoordinatorResponseData.Coordinator()
                  .setKey(key)
                  .setNodeId(Broker.NODE_ID)
                  .setHost(broker.advertisedHost())
                  .setPort(port));
    }
    return new FindCoordinatorResponse(response);
  }

  private CompletableFuture<AbstractResponse> joinGroup(
      JoinGroupRequest request, RequestContext context) {
    JoinGroupRequestData data = request.data();
    if (data.groupId() == null || data.groupId().isEmpty()) {
      return done(request.getErrorResponse(Errors.INVALID_GROUP_ID.exception()));
    }
    if (data.sessionTimeoutMs() < 1000 || data.sessionTimeoutMs() > 30 * 60 * 1000) {
      return done(request.getErrorResponse(Errors.INVALID_SESSION_TIMEOUT.exception()));
    }
    Map<String, byte[]> protocols = new LinkedHashMap<>();
    data.protocols().forEach(p -> protocols.put(p.name(), p.metadata()));
    GroupCoordinator.Join join =
        new GroupCoordinator.Join(
            data.groupId(),
            data.memberId(),
            data.groupInstanceId(),
            context.clientId(),
            context.clientAddress().toString(),
            data.sessionTimeoutMs(),
            data.rebalanceTimeoutMs() < 0 ? data.sessionTimeoutMs() : data.rebalanceTimeoutMs(),
            data.protocolType(),
            protocols,
            context.apiVersion() >= 4);
    return coordinator
        .join(join)
        .thenApply(response -> new JoinGroupResponse(response, context.apiVersion()));
  }

  private CompletableFuture<AbstractResponse> syncGroup(
      SyncGroupRequest request, RequestContext context) {
    SyncGroupRequestData data = request.data();
    Map<String, byte[]> assignments = new HashMap<>();
    data.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
    return coordinator
        .sync(data.groupId(), data.generationId(), data.memberId(), assignments)
        .thenApply(SyncGroupResponse::new);
  }

  private AbstractResponse heartbeat(HeartbeatRequest request) {
    Errors error =
        coordinator.heartbeat(
            request.data().groupId(), request.data().generationId(), request.data().memberId());
    return new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(error.code()));
  }

  private AbstractResponse leaveGroup(LeaveGroupRequest request) {
    LeaveGroupRequestData data = request.data();
    LeaveGroupResponseData response = new LeaveGroupResponseData();
    List<LeaveGroupRequestData.MemberIdentity> members =
        data.members().isEmpty()
            ? List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(data.memberId()))
            : data.members();
    Errors topLevel = Errors.NONE;
    for (LeaveGroupRequestData.MemberIdentity member : members) {
      Errors error = coordinator.leave(data.groupId(), member.memberId(), member.groupInstanceId());
      if (data.members().isEmpty()) {
        topLevel = error; // versions before 3 name one member and answer at the top level
        continue;
      }
      response
          .members()
          .add(
              new LeaveGroupResponseData.MemberResponse()
                  .setMemberId(member.memberId())
                  .setGroupInstanceId(member.groupInstanceId())
                  .setErrorCode(error.code()));
    }
    return new LeaveGroupResponse(response.setErrorCode(topLevel.code()));
  }

  private AbstractResponse listGroups(ListGroupsRequest request) {
    Map<String, GroupCoordinator.Description> active = coordinator.activeGroups();
    Set<String> names = new TreeSet<>(active.keySet());
    names.addAll(offsets().groups());
    List<String> statesFilter = request.data().statesFilter();
    ListGroupsResponseData response = new ListGroupsResponseData();
    for (String name : names) {
      GroupCoordinator.Description description = active.get(name);
      String state =
          description == null ? GroupState.EMPTY.kafkaName() : description.state().kafkaName();
      if (!statesFilter.isEmpty() && statesFilter.stream().noneMatch(state::equalsIgnoreCase)) {
        continue;
      }
      response
          .groups()
          .add(
              new ListGroupsResponseData.ListedGroup()
                  .setGroupId(name)
                  .setProtocolType(description == null ? "consumer" : description.protocolType())
                  .setGroupState(state)
                  .setGroupType("classic"));
    }
    return new ListGroupsResponse(response);
  }

  private AbstractResponse describeGroups(DescribeGroupsRequest request) {
    DescribeGroupsResponseData response = new DescribeGroupsResponseData();
    for (String groupId : request.data().groups()) {
      GroupCoordinator.Description description = coordinator.describe(groupId);
      GroupState state = description.state();
      if (state == GroupState.DEAD && offsets().groups().contains(groupId)) {
        state = GroupState.EMPTY;
      }
      DescribeGroupsResponseData.DescribedGroup group =
          new DescribeGroupsResponseData.DescribedGroup()
              .setGroupId(groupId)
              .setGroupState(state.kafkaName())
              .setProtocolType(description.protocolType())
              .setProtocolData(
                  description.protocolName() == null ? "" : description.protocolName());
      for (GroupCoordinator.MemberDescription member : description.members()) {
        group
            .members()
            .add(
                new DescribeGroupsResponseData.DescribedGroupMember()
                    .setMemberId(member.memberId())
                    .setGroupInstanceId(member.groupInstanceId())
                    .setClientId(member.clientId())
                    .setClientHost(member.clientHost())
                    .setMemberMetadata(member.metadata())
                    .setMemberAssignment(member.assignment()));
      }
      response.groups().add(group);
    }
    return new DescribeGroupsResponse(response);
  }

  private AbstractResponse deleteGroups(DeleteGroupsRequest request) {
    DeleteGroupsResponseData response = new DeleteGroupsResponseData();
    for (String groupId : request.data().groupsNames()) {
      boolean hasMembersState = coordinator.describe(groupId).state() != GroupState.DEAD;
      boolean hasOffsets = offsets().groups().contains(groupId);
      Errors error =
          hasMembersState || hasOffsets ? coordinator.delete(groupId) : Errors.GROUP_ID_NOT_FOUND;
      if (error == Errors.NONE && hasOffsets) {
        try {
          offsets().deleteGroup(groupId).join();
        } catch (RuntimeException e) {
          error = Errors.KAFKA_STORAGE_ERROR;
        }
      }
      response
          .results()
          .add(
              new DeleteGroupsResponseData.DeletableGroupResult()
                  .setGroupId(groupId)
                  .setErrorCode(error.code()));
    }
    return new DeleteGroupsResponse(response);
  }

  private CompletableFuture<AbstractResponse> offsetCommit(OffsetCommitRequest request) {
    OffsetCommitRequestData data = request.data();
    Errors error =
        coordinator.validateCommit(
            data.groupId(), data.generationIdOrMemberEpoch(), data.memberId());
    OffsetCommitResponseData response = new OffsetCommitResponseData();
    Map<TopicPartition, GroupOffsetStore.CommittedOffset> commits = new LinkedHashMap<>();
    long now = broker.log().options().clock().millis();
    for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : data.topics()) {
      Optional<String> name = name(topic.name(), topic.topicId());
      OffsetCommitResponseData.OffsetCommitResponseTopic topicResponse =
          new OffsetCommitResponseData.OffsetCommitResponseTopic()
              .setName(topic.name())
              .setTopicId(topic.topicId());
      for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
        Errors partitionError = error;
        if (partitionError == Errors.NONE && name.isEmpty()) {
          partitionError = Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (partitionError == Errors.NONE) {
          commits.put(
              new TopicPartition(name.get(), partition.partitionIndex()),
              new GroupOffsetStore.CommittedOffset(
                  partition.committedOffset(),
                  partition.committedLeaderEpoch(),
                  partition.committedMetadata(),
                  now));
        }
        topicResponse
            .partitions()
            .add(
                new OffsetCommitResponseData.OffsetCommitResponsePartition()
                    .setPartitionIndex(partition.partitionIndex())
                    .setErrorCode(partitionError.code()));
      }
      response.topics().add(topicResponse);
    }
    if (commits.isEmpty()) {
      return done(new OffsetCommitResponse(response));
    }
    return offsets()
        .commit(data.groupId(), commits)
        .handle(
            (ok, failure) -> {
              if (failure != null) {
                for (OffsetCommitResponseData.OffsetCommitResponseTopic topic : response.topics()) {
                  for (OffsetCommitResponseData.OffsetCommitResponsePartition partition :
                      topic.partitions()) {
                    if (partition.errorCode() == Errors.NONE.code()) {
                      partition.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                    }
                  }
                }
              }
              return new OffsetCommitResponse(response);
            });
  }

  private Optional<String> name(String name, Uuid topicId) {
    if (name != null && !name.isEmpty()) {
      return Optional.of(name);
    }
    return topicId == null || Uuid.ZERO_UUID.equals(topicId)
        ? Optional.empty()
        : broker.topicName(topicId);
  }

  private AbstractResponse offsetFetch(OffsetFetchRequest request, short version) {
    OffsetFetchRequestData data = request.data();
    if (version < OffsetFetchRequest.BATCH_MIN_VERSION) {
      OffsetFetchResponseData response = new OffsetFetchResponseData();
      Map<String, List<Integer>> asked = new LinkedHashMap<>();
      if (data.topics() != null) {
        data.topics().forEach(t -> asked.put(t.name(), t.partitionIndexes()));
      }
      for (Map.Entry<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> topic :
          committed(data.groupId(), data.topics() == null ? null : asked).entrySet()) {
        OffsetFetchResponseData.OffsetFetchResponseTopic topicResponse =
            new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(topic.getKey());
        for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : topic.getValue()) {
          topicResponse
              .partitions()
              .add(
                  new OffsetFetchResponseData.OffsetFetchResponsePartition()
                      .setPartitionIndex(p.partitionIndex())
                      .setCommittedOffset(p.committedOffset())
                      .setCommittedLeaderEpoch(p.committedLeaderEpoch())
                      .setMetadata(p.metadata()));
        }
        response.topics().add(topicResponse);
      }
      return new OffsetFetchResponse(response, version);
    }
    OffsetFetchResponseData response = new OffsetFetchResponseData();
    for (OffsetFetchRequestData.OffsetFetchRequestGroup group : data.groups()) {
      Map<String, List<Integer>> asked = null;
      Map<String, Uuid> ids = new HashMap<>();
      if (group.topics() != null) {
        asked = new LinkedHashMap<>();
        for (OffsetFetchRequestData.OffsetFetchRequestTopics topic : group.topics()) {
          Optional<String> name = name(topic.name(), topic.topicId());
          name.ifPresent(n -> ids.put(n, topic.topicId()));
          asked.put(
              name.orElse(topic.name() == null ? "" : topic.name()), topic.partitionIndexes());
        }
      }
      OffsetFetchResponseData.OffsetFetchResponseGroup groupResponse =
          new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(group.groupId());
      for (Map.Entry<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> topic :
          committed(group.groupId(), asked).entrySet()) {
        Uuid id =
            ids.getOrDefault(
                topic.getKey(),
                broker
                    .log()
                    .describeTopic(topic.getKey())
                    .map(t -> Broker.toKafka(t.topicId()))
                    .orElse(Uuid.ZERO_UUID));
        groupResponse
            .topics()
            .add(
                new OffsetFetchResponseData.OffsetFetchResponseTopics()
                    .setName(topic.getKey())
                    .setTopicId(
                        version >= OffsetFetchRequest.TOPIC_ID_MIN_VERSION ? id : Uuid.ZERO_UUID)
                    .setPartitions(topic.getValue()));
      }
      response.groups().add(groupResponse);
    }
    return new OffsetFetchResponse(response, version);
  }

  /**
   * The committed offsets of a group for the partitions asked (all it has when {@code asked} is
   * null); partitions without a commit get offset -1, as Kafka answers.
   */
  private Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> committed(
      String groupId, Map<String, List<Integer>> asked) {
    Map<TopicPartition, GroupOffsetStore.CommittedOffset> all = offsets().fetch(groupId);
    Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> result =
        new LinkedHashMap<>();
    if (asked == null) {
      all.forEach(
          (tp, committed) ->
              result
                  .computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                  .add(partition(tp.partition(), committed)));
      return result;
    }
    asked.forEach(
        (topic, partitions) -> {
          List<OffsetFetchResponseData.OffsetFetchResponsePartitions> list = new ArrayList<>();
          for (int p : partitions) {
            list.add(partition(p, all.get(new TopicPartition(topic, p))));
          }
          result.put(topic, list);
        });
    return result;
  }

  private static OffsetFetchResponseData.OffsetFetchResponsePartitions partition(
      int index, GroupOffsetStore.CommittedOffset committed) {
    return new OffsetFetchResponseData.OffsetFetchResponsePartitions()
        .setPartitionIndex(index)
        .setCommittedOffset(committed == null ? -1 : committed.offset())
        .setCommittedLeaderEpoch(committed == null ? -1 : committed.leaderEpoch())
        .setMetadata(committed == null ? "" : committed.metadata());
  }

  private CompletableFuture<AbstractResponse> offsetDelete(OffsetDeleteRequest request) {
    OffsetDeleteRequestData data = request.data();
    OffsetDeleteResponseData response = new OffsetDeleteResponseData();
    GroupCoordinator.Description description = coordinator.describe(data.groupId());
    boolean active = !description.members().isEmpty();
    List<TopicPartition> toDelete = new ArrayList<>();
    for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : data.topics()) {
      OffsetDeleteResponseData.OffsetDeleteResponseTopic topicResponse =
          new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
      for (OffsetDeleteRequestData.OffsetDeleteRequestPartition partition : topic.partitions()) {
        Errors error = active ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
        if (error == Errors.NONE) {
          toDelete.add(new TopicPartition(topic.name(), partition.partitionIndex()));
        }
        topicResponse
            .partitions()
            .add(
                new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                    .setPartitionIndex(partition.partitionIndex())
                    .setErrorCode(error.code()));
      }
      response.topics().add(topicResponse);
    }
    if (!offsets().groups().contains(data.groupId()) && !active) {
      return done(
          new OffsetDeleteResponse(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())));
    }
    return offsets()
        .delete(data.groupId(), toDelete)
        .handle(
            (ok, failure) ->
                new OffsetDeleteResponse(
                    failure == null
                        ? response
                        : response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())));
  }
}
