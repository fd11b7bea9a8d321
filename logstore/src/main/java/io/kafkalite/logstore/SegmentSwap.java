package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a cleaner's segment swap, and how a start finishes or discards one a crash interrupted
 * (Kafka's scheme). The cleaner writes {@code <base>.log.cleaned}; once it is complete and fsynced it is
 * renamed to {@code <base>.log.<end>.swap}, which commits the swap: from then on the cleaned file replaces
 * every segment whose base is in [base, end). The replaced segments are unlinked and the swap file is
 * renamed to {@code <base>.log} (atomically replacing the first one). A start deletes {@code .cleaned}
 * files (never visible) and completes any {@code .swap} file in the same way.
 */
final class SegmentSwap {
    private static final Logger log = LoggerFactory.getLogger(SegmentSwap.class);
    static final String CLEANED = ".cleaned";
    static final String SWAP = ".swap";

    private SegmentSwap() { }

    static Path cleanedFile(Path dir, long base) {
        return dir.resolve(StoreLayout.segmentFileName(base) + CLEANED);
    }

    static Path swapFile(Path dir, long base, long end) {
        return dir.resolve(StoreLayout.segmentFileName(base) + String.format(".%020d", end) + SWAP);
    }

    /**
     * Deletes half-written cleaned files and completes committed swaps.
     * @return the offset ranges [from, to) whose offset index entries are stale
     */
    static List<long[]> finishLeftovers(Path dir) throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(CLEANED)) {
                    log.info("{}: deleting {}, a cleaning a restart interrupted", dir.getFileName(), name);
                    Files.delete(p);
                } else if (name.endsWith(SWAP)) {
                    swaps.add(p);
                }
            }
        }
        List<long[]> stale = new ArrayList<>();
        for (Path swap : swaps) {
            String name = swap.getFileName().toString(); // <20 digits>.log.<20 digits>.swap
            long base = Long.parseLong(name.substring(0, 20));
            long end = Long.parseLong(name.substring(25, 45));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(".log") && n.length() == 24) {
                        long b = Long.parseLong(n.substring(0, 20));
                        if (b > base && b < end) {
                            Files.delete(p);
                        }
                    }
                }
            }
            Files.move(swap, dir.resolve(StoreLayout.segmentFileName(base)), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            log.info("{}: completed the swap of cleaned segments [{}, {})", dir.getFileName(), base, end);
            stale.add(new long[] {base, end});
        }
        if (!swaps.isEmpty()) {
            LogDir.fsync(dir);
        }
        return stale;
    }
}
