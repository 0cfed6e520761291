package dev.kedai.cartorder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox provider: {@code tok_decline} declines, {@code tok_timeout} times out without
 * charging, any other {@code tok_*} approves. Like a real provider it is idempotent by attempt id
 * (a repeated attempt id is charged once and gets the first answer) and it keeps what it charged,
 * so tests and the bench can count charges per order.
 *
 * <p>With a ledger file ({@code payment.sandbox.ledger}) it also outlives cartorder, as a real
 * provider does: every charge and refund is appended as a tab-separated line before it answers
 * ({@code approved|declined <attempt> <order> <reference or reason>}, {@code refund <attempt>}),
 * and a restart reads the file back, so an attempt a crashed process left PENDING is still known.
 * The fault-injection suite counts charges from that file.
 *
 * <p>Several cartorder replicas sharing one ledger ({@code ./kedai up --replicas}) see one provider,
 * as they would a real one: a charge or refund takes the file's lock and first reads what the
 * others appended, so an attempt is charged once whichever replica sends it again, and a lookup
 * or refund of an attempt another replica charged finds it.
 */
public final class SandboxPaymentGateway implements PaymentGateway {

    private final Map<String, PaymentResult> outcomes = new ConcurrentHashMap<>();
    private final Map<String, String> orderOfAttempt = new ConcurrentHashMap<>();
    private final Set<String> refunded = ConcurrentHashMap.newKeySet();
    // a file lock is held for the whole JVM: two gateways of one JVM (tests) also take this monitor
    private static final Object JVM_LOCK = new Object();

    private final FileChannel ledger;
    private final FileChannel reader;
    // bytes of the ledger applied to the maps above: up to the end of its last whole line
    private long applied;

    /** Remembers in memory only (tests). */
    public SandboxPaymentGateway() {
        this.ledger = null;
        this.reader = null;
    }

    /** Remembers in {@code ledgerFile} too, reading back what an earlier run recorded there. */
    public SandboxPaymentGateway(Path ledgerFile) {
        try {
            Path absolute = ledgerFile.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            this.ledger = FileChannel.open(absolute, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            this.reader = FileChannel.open(absolute, StandardOpenOption.READ);
            locked(() -> {
                try {
                    if (endsTorn(absolute)) {
                        record(); // ends the torn line, so the next one is whole
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                catchUp();
                return null;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the sandbox payment ledger " + ledgerFile, e);
        }
    }

    private static boolean endsTorn(Path file) throws IOException {
        try (FileChannel read = FileChannel.open(file, StandardOpenOption.READ)) {
            if (read.size() == 0) {
                return false;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            read.read(last, read.size() - 1);
            return last.get(0) != '\n';
        }
    }

    /** Applies the whole lines appended since the last call (by this replica or another). */
    private synchronized void catchUp() {
        if (reader == null) {
            return;
        }
        try {
            long size = reader.size();
            if (size <= applied) {
                return;
            }
            ByteBuffer tail = ByteBuffer.allocate(Math.toIntExact(size - applied));
            while (tail.hasRemaining() && reader.read(tail, applied + tail.position()) >= 0) {
                // reads until the buffer is full
            }
            String text = new String(tail.array(), 0, tail.position(), StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return; // only a line still being written
            }
            load(List.of(text.substring(0, end).split("\n")));
            applied += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException e) {
            throw new UncheckedIOException("the sandbox payment ledger cannot be read", e);
        }
    }

    /** {@code action} holding the ledger's lock against the other replicas (none without a ledger). */
    private <T> T locked(java.util.function.Supplier<T> action) {
        if (ledger == null) {
            return action.get();
        }
        synchronized (JVM_LOCK) {
            try (java.nio.channels.FileLock lock = ledger.lock(0, Long.MAX_VALUE, false)) {
                return action.get();
            } catch (IOException e) {
                throw new UncheckedIOException("the sandbox payment ledger cannot be locked", e);
            }
        }
    }

    private void load(List<String> lines) {
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "approved" -> {
                    outcomes.put(f[1], new Approved(f[3]));
                    orderOfAttempt.put(f[1], f[2]);
                }
                case "declined" -> outcomes.put(f[1], new Declined(f[3]));
                case "refund" -> refunded.add(f[1]);
                default -> { } // a torn line of a process that died mid-write
            }
        }
    }

    @Override
    public PaymentResult charge(Charge charge) {
        if ("tok_timeout".equals(charge.token())) {
            return new TimedOut();   // not remembered: the provider never processed it
        }
        return locked(() -> {
            catchUp();
            return outcomes.computeIfAbsent(charge.attemptId(), id -> {
                if ("tok_decline".equals(charge.token())) {
                    record("declined", id, charge.orderId(), "card declined");
                    return new Declined("card declined");
                }
                String reference = "sbx_" + UUID.randomUUID();
                record("approved", id, charge.orderId(), reference);
                orderOfAttempt.put(id, charge.orderId());
                return new Approved(reference);
            });
        });
    }

    @Override
    public Optional<PaymentResult> lookup(String attemptId) {
        if (!outcomes.containsKey(attemptId)) {
            catchUp(); // another replica may have charged it
        }
        return Optional.ofNullable(outcomes.get(attemptId));
    }

    @Override
    public void refund(String attemptId) {
        locked(() -> {
            catchUp();
            if (outcomes.get(attemptId) instanceof Approved && refunded.add(attemptId)) {
                record("refund", attemptId);
            }
            return null;
        });
    }

    /** How many approved charges the order has, refunds not subtracted. */
    public long charges(String orderId) {
        catchUp();
        return orderOfAttempt.values().stream().filter(orderId::equals).count();
    }

    /** How many of the order's approved charges were refunded. */
    public long refunds(String orderId) {
        catchUp();
        return refunded.stream().filter(a -> orderId.equals(orderOfAttempt.get(a))).count();
    }

    // written before the answer: what the provider did must not depend on cartorder surviving
    private void record(String... fields) {
        if (ledger == null) {
            return;
        }
        ByteBuffer line = ByteBuffer.wrap((String.join("\t", fields) + "\n").getBytes(StandardCharsets.UTF_8));
        synchronized (ledger) {
            try {
                while (line.hasRemaining()) {
                    ledger.write(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("the sandbox payment ledger cannot be written", e);
            }
        }
    }
}
