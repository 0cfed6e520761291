package dev.kedai.contracts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards the wire contracts: every field and rpc recorded in {@code released-contracts.txt}
 * must still exist with the same number, name, type and cardinality (or its number must be
 * {@code reserved}). Additions are fine. After an intended, compatible addition, record it:
 * {@code ./mvnw -pl proto test -Dkedai.contracts.accept=true}.
 */
class ProtoCompatibilityTest {
    private static final Path SNAPSHOT = Path.of("src/test/resources/released-contracts.txt");

    static final List<FileDescriptor> FILES = List.of(
            dev.kedai.proto.common.v1.MoneyProto.getDescriptor(),
            dev.kedai.proto.auth.v1.AuthProto.getDescriptor(),
            dev.kedai.proto.auth.v1.AuthEventsProto.getDescriptor(),
            dev.kedai.proto.user.v1.UserProto.getDescriptor(),
            dev.kedai.proto.user.v1.UserEventsProto.getDescriptor(),
            dev.kedai.proto.product.v1.ProductProto.getDescriptor(),
            dev.kedai.proto.product.v1.ProductEventsProto.getDescriptor(),
            dev.kedai.proto.stock.v1.StockProto.getDescriptor(),
            dev.kedai.proto.stock.v1.StockEventsProto.getDescriptor(),
            dev.kedai.proto.cartorder.v1.CartProto.getDescriptor(),
            dev.kedai.proto.cartorder.v1.CartorderEventsProto.getDescriptor());

    /**
     * Compares first, always: with {@code -Dkedai.contracts.accept=true} the snapshot is rewritten
     * only when nothing released broke, so accepting records additions and can never hide a break.
     */
    @Test
    void releasedContractsAreStillCompatible() throws IOException {
        Map<String, String> current = describe();
        assertThat(breakingChanges(Files.readAllLines(SNAPSHOT), current))
                .as("breaking changes to released proto contracts (renumbered, retyped, renamed or removed "
                        + "without `reserved`); see proto/README.md")
                .isEmpty();
        if (Boolean.getBoolean("kedai.contracts.accept")) {
            Files.write(SNAPSHOT, (header() + String.join("\n", current.values()) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aRemovedOrRetypedFieldIsABreakingChange() {
        Map<String, String> current = describe();
        String field = current.values().stream().filter(l -> l.startsWith("field kedai.stock.v1.ReserveRequest ")
                && l.endsWith(" string")).findFirst().orElseThrow();
        List<String> released = new ArrayList<>(current.values());
        released.add("field kedai.stock.v1.ReserveRequest 99 gone_since string");
        released.set(released.indexOf(field), field.replace(" string", " int64"));

        assertThat(breakingChanges(released, current)).hasSize(2)
                .anySatisfy(b -> assertThat(b).contains("gone_since").contains("(missing)"))
                .anySatisfy(b -> assertThat(b).contains(field));
        assertThat(breakingChanges(List.copyOf(current.values()), current)).isEmpty();
    }

    /** Every released line that no longer holds (a reserved number excepted), as "released / now" text. */
    static List<String> breakingChanges(List<String> released, Map<String, String> current) {
        List<String> broken = new ArrayList<>();
        for (String line : released) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String now = current.get(key(line));
            if (now == null && line.startsWith("field ") && isReserved(line)) {
                continue;
            }
            if (!line.equals(now)) {
                broken.add("released: " + line + "\n   now:      " + (now == null ? "(missing)" : now));
            }
        }
        return broken;
    }

    @Test
    void everyContractFileIsCovered() throws IOException {
        // A new .proto file must be added to FILES, or its messages would go unguarded.
        var onDisk = new TreeSet<String>();
        try (var files = Files.walk(Path.of("src/main/proto"))) {
            files.filter(p -> p.toString().endsWith(".proto"))
                    .forEach(p -> onDisk.add(Path.of("src/main/proto").relativize(p).toString()));
        }
        var guarded = new TreeSet<String>();
        FILES.forEach(f -> guarded.add(f.getName()));
        assertThat(guarded).isEqualTo(onDisk);
    }

    @Test
    void topicsFollowTheNamingScheme() {
        assertThat(Topics.ALL).allMatch(t -> t.matches("kedai\\.[a-z]+\\.[a-z-]+\\.v[0-9]+"));
    }

    /** One line per rpc and per field, keyed by what must never change meaning. */
    static Map<String, String> describe() {
        Map<String, String> lines = new TreeMap<>();
        for (FileDescriptor file : FILES) {
            for (ServiceDescriptor service : file.getServices()) {
                for (MethodDescriptor m : service.getMethods()) {
                    String line = "rpc " + m.getFullName() + " " + m.getInputType().getFullName()
                            + " -> " + m.getOutputType().getFullName();
                    lines.put(key(line), line);
                }
            }
            for (Descriptor message : file.getMessageTypes()) {
                describe(message, lines);
            }
        }
        return lines;
    }

    private static void describe(Descriptor message, Map<String, String> lines) {
        for (FieldDescriptor f : message.getFields()) {
            String type = f.getType() == FieldDescriptor.Type.MESSAGE || f.getType() == FieldDescriptor.Type.ENUM
                    ? (f.getType() == FieldDescriptor.Type.MESSAGE ? f.getMessageType().getFullName()
                    : f.getEnumType().getFullName())
                    : f.getType().name().toLowerCase();
            String line = "field " + message.getFullName() + " " + f.getNumber() + " " + f.getName() + " " + type
                    + (f.isRepeated() ? " repeated" : "");
            lines.put(key(line), line);
        }
        message.getNestedTypes().forEach(n -> describe(n, lines));
    }

    private static String key(String line) {
        String[] parts = line.split(" ");
        return parts[0] + " " + parts[1] + (parts[0].equals("field") ? " " + parts[2] : "");
    }

    private static boolean isReserved(String fieldLine) {
        String[] parts = fieldLine.split(" ");
        int number = Integer.parseInt(parts[2]);
        for (FileDescriptor file : FILES) {
            Descriptor d = find(file, parts[1]);
            if (d != null) {
                return d.toProto().getReservedRangeList().stream()
                        .anyMatch(r -> number >= r.getStart() && number < r.getEnd());
            }
        }
        return false;
    }

    private static Descriptor find(FileDescriptor file, String fullName) {
        String prefix = file.getPackage() + ".";
        return fullName.startsWith(prefix) ? file.findMessageTypeByName(fullName.substring(prefix.length())) : null;
    }

    private static String header() {
        return """
                # Released proto contracts: one line per rpc and per field. Written by
                # ProtoCompatibilityTest with -Dkedai.contracts.accept=true; review the diff.
                """;
    }
}
