package dev.kedai.platform.grpc;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.kedai.platform.http.UuidParam;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Checks of gRPC request fields: INVALID_ARGUMENT, naming what is wrong, before any work is done. */
public final class GrpcArguments {

    private GrpcArguments() {
    }

    /** INVALID_ARGUMENT with {@code description}, to throw from a handler. */
    public static StatusRuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }

    /** {@code value} as a lower-case UUID; INVALID_ARGUMENT "{@code field} must be a UUID" otherwise. */
    public static String uuid(String value, String field) {
        if (!UuidParam.isValid(value)) {
            throw invalid(field + " must be a UUID");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    /**
     * {@code ids} as lower-case UUIDs, in their order, each once; INVALID_ARGUMENT when there are
     * more than {@code max} of them or one is not a UUID.
     */
    public static Set<String> uuids(List<String> ids, int max, String what) {
        if (ids.size() > max) {
            throw invalid("at most " + max + " " + what);
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String id : ids) {
            if (!UuidParam.isValid(id)) {
                throw invalid("not a UUID: " + id);
            }
            unique.add(id.toLowerCase(Locale.ROOT));
        }
        return unique;
    }
}
