package io.millrace.log;

import io.millrace.common.Clock;
import io.millrace.log.segment.FileIo;
import java.util.concurrent.ScheduledExecutorService;

/** What the {@link Log} shares with each of its partitions: time, files and background threads. */
record LogServices(
    Clock clock,
    FileIo fileIo,
    ScheduledExecutorService scheduler,
    GroupCommitFlusher flusher,
    long fileDeleteDelayMs) {}
