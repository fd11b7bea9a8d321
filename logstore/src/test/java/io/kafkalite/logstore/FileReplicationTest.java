package io.kafkalite.logstore;

import static io.kafkalite.logstore.LogStoreContract.TP;
import static io.kafkalite.logstore.LogStoreContract.batch;
import static io.kafkalite.logstore.LogStoreContract.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication contract on disk, plus restarts: the epoch checkpoint, the high watermark, truncated segments. */
class FileReplicationTest extends ReplicationContract {
    @TempDir
    Path dir;

    @Override
    LogStore open(String name) throws Exception {
        return LogStore.open(dir.resolve(name), Map.of("log.segment.bytes", "1048576"));
    }

    private void reopenFollower() throws Exception {
        followerStore.close();
        followerStore = open("follower");
    }

    private Path followerDir() {
        return dir.resolve("follower").resolve("t-0");
    }

    private List<String> produceMany(int from, int count) {
        List<String> produced = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            produce(batch(System.currentTimeMillis(), "v" + i + "-" + "x".repeat(120_000)));
            produced.add("v" + i);
        }
        return produced;
    }

    @Test
    void theEpochCheckpointSurvivesARestartAndIsRebuiltWhenMissing() throws Exception {
        follower().becomeLeader(1);
        followerStore.append(follower(), batch(System.currentTimeMillis(), "a"), System.currentTimeMillis());
        follower().becomeLeader(4);
        followerStore.append(follower(), batch(System.currentTimeMillis(), "b"), System.currentTimeMillis());
        Path checkpoint = followerDir().resolve("leader-epoch-checkpoint");
        assertEquals(List.of("0", "2", "1 0", "4 1"), Files.readAllLines(checkpoint));
        reopenFollower();
        assertEquals(Map.of(1, 0L, 4, 1L), follower().epochs().entries());
        followerStore.close();
        Files.delete(checkpoint);
        followerStore = open("follower");
        assertEquals(new LeaderEpochCache.EpochEnd(1, 1), follower().endOffsetForEpoch(2), "rebuilt from the batches' epochs");
    }

    @Test
    void truncationInsideASegmentAndAcrossSegmentsSurvivesARestart() throws Exception {
        leader().becomeLeader(1);
        List<String> produced = produceMany(0, 30); // ~8 batches per segment of 1 MB
        replicate();
        Path segmentDir = followerDir();
        long segmentsBefore = Files.list(segmentDir).filter(p -> p.toString().endsWith(".log")).count();
        assertTrue(segmentsBefore >= 3, "several segments: " + segmentsBefore);
        follower().becomeFollower(2);
        followerStore.truncateTo(follower(), 20);
        assertEquals(20, follower().logEndOffset());
        assertEquals(produced.subList(0, 20), all(follower()));
        followerStore.truncateTo(follower(), 13);
        reopenFollower();
        assertEquals(13, follower().logEndOffset());
        assertEquals(produced.subList(0, 13), all(follower()));
        // a new history from a new leader replaces the old one, also after another restart
        follower().becomeLeader(3);
        for (int i = 0; i < 10; i++) {
            followerStore.append(follower(), batch(System.currentTimeMillis(), "new" + i), System.currentTimeMillis());
        }
        reopenFollower();
        List<String> expected = new ArrayList<>(produced.subList(0, 13));
        for (int i = 0; i < 10; i++) {
            expected.add("new" + i);
        }
        assertEquals(expected, all(follower()));
        assertEquals(23, follower().logEndOffset());
        assertEquals(Map.of(1, 0L, 3, 13L), follower().epochs().entries());
    }

    @Test
    void theHighWatermarkIsRestoredAfterARestartAndNeverPastATruncation() throws Exception {
        produceMany(0, 10);
        replicate();
        follower().setReplicated(true);
        follower().updateHighWatermark(8);
        reopenFollower();
        follower().setReplicated(true);
        assertEquals(8, follower().highWatermark());
        followerStore.truncateTo(follower(), 5);
        assertEquals(5, follower().highWatermark());
        reopenFollower();
        follower().setReplicated(true);
        assertEquals(5, follower().highWatermark());
        assertEquals(5, follower().logEndOffset());
    }

    @Test
    void emptyingTheLogSurvivesARestart() throws Exception {
        produceMany(0, 30);
        replicate();
        followerStore.truncateFullyAndStartAt(follower(), 50);
        reopenFollower();
        assertEquals(50, follower().logStartOffset());
        assertEquals(50, follower().logEndOffset());
        assertEquals(List.of(), values(follower().readForReplica(50, 1 << 20).records()));
    }

    @Test
    void oldBytesThatComeBackPastANewerBatchAreCutByRecovery() throws Exception {
        produceMany(0, 3);
        replicate();
        Path segment = followerDir().resolve(StoreLayout.segmentFileName(0));
        byte[] old = Files.readAllBytes(segment);
        followerStore.truncateTo(follower(), 1);
        follower().becomeLeader(2);
        followerStore.append(follower(), batch(System.currentTimeMillis(), "n"), System.currentTimeMillis());
        followerStore.close();
        // as if an OS crash had kept the new batch but undone the truncation of the file: the old batch 2 follows the new 1
        byte[] now = Files.readAllBytes(segment);
        byte[] mixed = java.util.Arrays.copyOf(now, old.length);
        System.arraycopy(old, now.length, mixed, now.length, old.length - now.length);
        Files.write(segment, mixed);
        followerStore = open("follower");
        assertEquals(2, follower().logEndOffset());
        assertEquals("n", values(follower().readForReplica(1, 1 << 20).records()).get(0));
    }

    @Test
    void aTruncationCutShortLeavesTheOldLogWhichTruncatesAgain() throws Exception {
        leader().becomeLeader(1);
        List<String> produced = produceMany(0, 20);
        replicate();
        follower().becomeFollower(1);
        follower().setReplicated(true);
        follower().updateHighWatermark(12);
        followerStore.close();
        Map<Path, byte[]> before = new java.util.HashMap<>();
        try (var files = Files.list(followerDir())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                before.put(p, Files.readAllBytes(p));
            }
        }
        followerStore = open("follower");
        follower().becomeFollower(2);
        followerStore.truncateTo(follower(), 10);
        followerStore.close();
        // as if the process died once LMDB said the log ends at 10, before any file changed
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            Files.write(e.getKey(), e.getValue());
        }
        followerStore = open("follower");
        follower().setReplicated(true);
        assertEquals(20, follower().logEndOffset(), "the old log, whole");
        assertEquals(produced, all(follower()));
        assertEquals(10, follower().highWatermark(), "never past what it had");
        followerStore.truncateTo(follower(), 10);
        follower().becomeLeader(3);
        followerStore.append(follower(), batch(System.currentTimeMillis(), "n-1"), System.currentTimeMillis());
        reopenFollower();
        List<String> expected = new ArrayList<>(produced.subList(0, 10));
        expected.add("n");
        assertEquals(expected, all(follower()));
        assertEquals(Map.of(1, 0L, 3, 10L), follower().epochs().entries());
    }
}
