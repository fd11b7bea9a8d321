package io.kafkalite.acl;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.internals.SecurityUtils;

/** The checks Kafka's controller makes on ACLs to create and filters to delete by, with its messages. */
final class AclValidation {
    private AclValidation() { }

    /** @return why the binding cannot be stored, or null if it can */
    static InvalidRequestException invalidNewAcl(AclBinding binding) {
        ResourceType type = binding.pattern().resourceType();
        if (type == ResourceType.UNKNOWN || type == ResourceType.ANY) {
            return new InvalidRequestException("Invalid resourceType " + type);
        }
        PatternType pattern = binding.pattern().patternType();
        if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
            return new InvalidRequestException("Invalid patternType " + pattern);
        }
        AclOperation operation = binding.entry().operation();
        if (operation == AclOperation.UNKNOWN || operation == AclOperation.ANY) {
            return new InvalidRequestException("Invalid operation " + operation);
        }
        AclPermissionType permission = binding.entry().permissionType();
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            return new InvalidRequestException("Invalid permissionType " + permission);
        }
        if (binding.pattern().name().isEmpty()) {
            return new InvalidRequestException("Resource name should not be empty");
        }
        // Kafka's controller stores such a principal and fails each later decision on it; refuse it up front.
        try {
            SecurityUtils.parseKafkaPrincipal(binding.entry().principal());
        } catch (IllegalArgumentException e) {
            return new InvalidRequestException("Invalid principal: " + e.getMessage());
        }
        return null;
    }

    /** @return why nothing can be deleted by the filter, or null if it is usable */
    static InvalidRequestException invalidFilter(AclBindingFilter filter) {
        if (filter.patternFilter().isUnknown()) {
            return new InvalidRequestException("Unknown patternFilter.");
        }
        if (filter.entryFilter().isUnknown()) {
            return new InvalidRequestException("Unknown entryFilter.");
        }
        return null;
    }
}
