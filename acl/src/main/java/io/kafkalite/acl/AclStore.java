package io.kafkalite.acl;

import io.kafkalite.logstore.DurableMap;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclBinding;

/** The ACLs in their durable table, one entry per binding, laid out as {@link AclRecordDescriptor} says. */
final class AclStore {
    private final DurableMap table;

    AclStore(DurableMap table) {
        this.table = table;
    }

    /** @throws IllegalStateException on a record we cannot read: starting without one of the ACLs could let in whom it denies */
    List<AclBinding> load() {
        List<AclBinding> bindings = new ArrayList<>();
        table.forEach((key, value) -> bindings.add(AclRecordDescriptor.binding(value)));
        return bindings;
    }

    /** Stores the added and deletes the removed bindings in one atomic write. */
    CompletableFuture<Void> write(Collection<AclBinding> added, Collection<AclBinding> removed) {
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>(added.size() + removed.size());
        for (AclBinding b : added) {
            byte[] value = AclRecordDescriptor.value(b);
            changes.add(new SimpleEntry<>(AclRecordDescriptor.key(value), value));
        }
        for (AclBinding b : removed) {
            changes.add(new SimpleEntry<>(AclRecordDescriptor.key(AclRecordDescriptor.value(b)), null));
        }
        return table.write(changes);
    }
}
