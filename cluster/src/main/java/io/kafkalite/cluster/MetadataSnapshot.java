package io.kafkalite.cluster;

import io.kafkalite.logstore.DurableMap;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A snapshot file of the cluster metadata: the image, then the content of every replicated durable map (the maps
 * live in each node's LMDB, but once Ratis purged the log before a snapshot, a node that receives the snapshot
 * (a new or wiped node, or one too far behind) can only get their content from it). Loading a snapshot makes each
 * local map equal to the snapshot's copy; only the differences are written, so a restart whose maps are intact
 * writes nothing, and one whose LMDB lost its last commits (MDB_NOMETASYNC after an OS crash) is repaired
 * before the log after the snapshot is replayed over it.
 */
final class MetadataSnapshot {
    private static final int WRITE_BATCH = 1000;

    private MetadataSnapshot() { }

    /** What a snapshot holds: the image and the names of the replicated durable maps (their content went to the maps). */
    record Loaded(MetadataImage image, Set<String> mapNames) { }

    static void write(Path file, MetadataImage image, Set<String> mapNames, Function<String, DurableMap> maps) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024))) {
            MetadataImageCodec.write(out, image);
            List<String> names = mapNames.stream().sorted().toList();
            out.writeInt(names.size());
            for (String name : names) {
                CodecIo.writeString(out, name);
                try {
                    maps.apply(name).forEach((k, v) -> {
                        try {
                            out.writeBoolean(true);
                            CodecIo.writeBytes(out, k);
                            CodecIo.writeBytes(out, v);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                out.writeBoolean(false);
            }
        }
    }

    /** Reads the image, and makes every durable map it names equal to its copy in the snapshot. */
    static Loaded read(Path file, Function<String, DurableMap> maps) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024))) {
            MetadataImage image = MetadataImageCodec.read(in);
            Set<String> names = new HashSet<>();
            for (int n = CodecIo.readCount(in); n > 0; n--) {
                String name = CodecIo.readString(in);
                names.add(name);
                TreeMap<byte[], byte[]> content = new TreeMap<>(Arrays::compareUnsigned);
                while (in.readBoolean()) {
                    content.put(CodecIo.readBytes(in), CodecIo.readBytes(in));
                }
                replace(name, maps.apply(name), content);
            }
            return new Loaded(image, names);
        }
    }

    private static void replace(String name, DurableMap map, TreeMap<byte[], byte[]> wanted) throws IOException {
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>();
        map.forEach((k, v) -> {
            byte[] w = wanted.get(k);
            if (w == null) {
                changes.add(new AbstractMap.SimpleImmutableEntry<>(k, null));
            } else if (Arrays.equals(w, v)) {
                wanted.remove(k);
            }
        });
        wanted.forEach((k, v) -> changes.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        for (int from = 0; from < changes.size(); from += WRITE_BATCH) {
            try {
                map.write(changes.subList(from, Math.min(changes.size(), from + WRITE_BATCH))).get();
            } catch (ExecutionException e) {
                throw new IOException("Cannot write durable map " + name + " from the metadata snapshot", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while writing durable map " + name + " from the metadata snapshot", e);
            }
        }
    }
}
