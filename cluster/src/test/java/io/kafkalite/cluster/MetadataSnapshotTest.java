package io.kafkalite.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataSnapshotTest {
    private static Map.Entry<byte[], byte[]> put(int k, int v) {
        return new AbstractMap.SimpleImmutableEntry<>(new byte[] {(byte) k}, new byte[] {(byte) v});
    }

    @Test
    void loadingMakesTheLocalMapsEqualToTheSnapshot(@TempDir Path dir) throws IOException {
        TestDurableMap.Tables written = new TestDurableMap.Tables();
        written.apply("group_offsets").write(List.of(put(1, 10), put(2, 20), put(3, 30)));
        written.apply("acls").write(List.of(put(7, 70)));
        MetadataImage image = new MetadataImage(5, "cid", Map.of(), Map.of(), Map.of(), 1000);
        Path file = dir.resolve("snapshot.1_5");
        MetadataSnapshot.write(file, image, Set.of("group_offsets", "acls"), written);

        TestDurableMap.Tables local = new TestDurableMap.Tables(); // a node whose tables diverged: extra, stale, missing rows
        local.apply("group_offsets").write(List.of(put(1, 10), put(2, 99), put(4, 40)));
        local.apply("unrelated").write(List.of(put(1, 1)));
        MetadataSnapshot.Loaded loaded = MetadataSnapshot.read(file, local);

        assertEquals(image, loaded.image());
        assertEquals(Set.of("group_offsets", "acls"), loaded.mapNames());
        assertEquals(contents(written.apply("group_offsets")), contents(local.apply("group_offsets")));
        assertEquals(contents(written.apply("acls")), contents(local.apply("acls")));
        assertEquals(List.of("1=1"), contents(local.apply("unrelated")), "maps the snapshot does not name are left alone");
        assertFalse(local.apply("group_offsets").entries.containsKey(new byte[] {4}));
        assertArrayEquals(new byte[] {20}, local.apply("group_offsets").entries.get(new byte[] {2}));
    }

    private static List<String> contents(TestDurableMap map) {
        return map.entries.entrySet().stream().map(e -> Arrays.toString(e.getKey()).replaceAll("[\\[\\]]", "") + "="
                + Arrays.toString(e.getValue()).replaceAll("[\\[\\]]", "")).toList();
    }
}
