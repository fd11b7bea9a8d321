package io.kafkalite.logstore;

/**
 * The end of a partition's log as one value: the log end offset (the high watermark on one broker)
 * and where its bytes end (the segment and the file position). A read bounded by it never returns a
 * batch appended after the high watermark it reports, however the append races the read.
 */
record LogEnd(long offset, long segmentBase, int position) {
    static final LogEnd EMPTY = new LogEnd(0, 0, 0);
}
