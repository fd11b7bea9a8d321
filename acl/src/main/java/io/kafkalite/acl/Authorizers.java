package io.kafkalite.acl;

import io.kafkalite.logstore.DurableMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.server.authorizer.Authorizer;

/** Builds the authorizer that {@code authorizer.class.name} names (see {@link AclAuthorizer#forClassName}). */
final class Authorizers {
    static final String CONFIG = "authorizer.class.name";

    private Authorizers() { }

    static Authorizer forClassName(String className, DurableMap table, Map<String, ?> props) {
        if (className == null || className.isBlank()) {
            return null;
        }
        String name = className.trim();
        Authorizer authorizer;
        if (AclAuthorizer.CLASS_NAMES.contains(name)) {
            authorizer = new AclAuthorizer(table);
        } else {
            authorizer = instantiate(name);
        }
        authorizer.configure(props);
        return authorizer;
    }

    /** A user's own authorizer, as Kafka loads one: a public no-argument constructor, then configure(). */
    private static Authorizer instantiate(String name) {
        Class<?> type;
        try {
            type = Class.forName(name, true, Utils.getContextOrKafkaClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(CONFIG, name, "Class " + name + " cannot be found");
        }
        if (!Authorizer.class.isAssignableFrom(type)) {
            throw new ConfigException(CONFIG, name, name + " is not an instance of " + Authorizer.class.getName());
        }
        return Utils.newInstance(type, Authorizer.class);
    }
}
