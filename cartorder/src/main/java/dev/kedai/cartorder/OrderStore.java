package dev.kedai.cartorder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.money.Money;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/**
 * SQL of the {@code orders} and {@code order_lines} tables. Every change of status is a
 * conditional {@code UPDATE ... WHERE status = ?}: of two concurrent transitions from one state
 * exactly one changes the row, the other sees 0 rows and loses.
 */
public final class OrderStore {

    // epoch millis: TIMESTAMPs read and written this way do not depend on the session or JVM time zone
    private static final String COLUMNS = """
            SELECT order_id, user_id, status, total_amount, total_currency, address_id, cancel_reason,
                   CAST(UNIX_TIMESTAMP(created_at) * 1000 AS SIGNED) AS created_ms,
                   CAST(UNIX_TIMESTAMP(expires_at) * 1000 AS SIGNED) AS expires_ms
            FROM orders""";
    private static final String PAGE = COLUMNS + """
             WHERE user_id = ?
            ORDER BY created_at DESC, order_id DESC LIMIT ? OFFSET ?""";
    private static final String ONE = COLUMNS + " WHERE order_id = ? AND user_id = ?";
    private static final String LOCK = COLUMNS + " WHERE order_id = ? FOR UPDATE";
    private static final String COUNT = "SELECT COUNT(*) AS total FROM orders WHERE user_id = ?";
    private static final String LINES = """
            SELECT order_id, product_id, name, unit_amount, unit_currency, quantity
            FROM order_lines WHERE order_id IN (%s) ORDER BY order_id, product_id""";
    private static final String INSERT = """
            INSERT INTO orders (order_id, user_id, status, total_amount, total_currency, address_id, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000), FROM_UNIXTIME(? / 1000))""";
    private static final String INSERT_LINE = """
            INSERT INTO order_lines (order_id, product_id, name, unit_amount, unit_currency, quantity)
            VALUES (?, ?, ?, ?, ?, ?)""";
    private static final String TO_PAID = """
            UPDATE orders SET status = 'PAID', paid_at = CURRENT_TIMESTAMP(3)
            WHERE order_id = ? AND status = 'PENDING_PAYMENT'""";
    private static final String TO_CANCELLED = """
            UPDATE orders SET status = 'CANCELLED', cancel_reason = ?
            WHERE order_id = ? AND status = 'PENDING_PAYMENT'""";
    private static final String EXPIRED_UNPAID = """
            SELECT order_id FROM orders WHERE status = 'PENDING_PAYMENT' AND expires_at <= CURRENT_TIMESTAMP(3)
            ORDER BY expires_at LIMIT ?""";
    private static final String PAID_TO_CANCELLED = """
            UPDATE orders SET status = 'CANCELLED', cancel_reason = ? WHERE order_id = ? AND status = 'PAID'""";
    private static final String TO_FULFILLED = "UPDATE orders SET status = 'FULFILLED' WHERE order_id = ? AND status = 'PAID'";

    private final DbClient db;

    public OrderStore(DbClient db) {
        this.db = db;
    }

    /** The user's orders, newest first, each with its lines. */
    public Page<Order> page(String userId, PageRequest request) {
        List<DbRow> rows = db.execute().query(PAGE, userId, request.size(), request.offset()).toList();
        long total = db.execute().get(COUNT, userId).map(r -> r.column("total").getLong()).orElse(0L);
        return Page.of(withLines(db.execute(), rows), request, total);
    }

    /** The user's order; empty when it does not exist or is another user's. */
    public Optional<Order> find(String userId, String orderId) {
        return find(db.execute(), userId, orderId);
    }

    static Optional<Order> find(DbExecute exec, String userId, String orderId) {
        return exec.get(ONE, orderId, userId).map(row -> withLines(exec, List.of(row)).getFirst());
    }

    /** Unpaid orders past their expiry, oldest first. */
    List<String> expiredUnpaid(int limit) {
        return db.execute().query(EXPIRED_UNPAID, limit).map(r -> r.column("order_id").getString()).toList();
    }

    /** The order row, locked until {@code tx} ends: pay and cancel of one order take turns here. */
    static Optional<OrderHead> lock(DbTransaction tx, String orderId) {
        return tx.get(LOCK, orderId).map(r -> new OrderHead(r.column("order_id").getString(),
                                                             r.column("user_id").getString(),
                                                             r.column("status").getString(),
                                                             money(r, "total_amount", "total_currency"),
                                                             Instant.ofEpochMilli(r.column("expires_ms").getLong())));
    }

    /** What pay and cancel decide on. */
    record OrderHead(String orderId, String userId, String status, Money total, Instant expiresAt) {
    }

    static void insert(DbTransaction tx, String userId, Order order) {
        tx.insert(INSERT, order.orderId(), userId, order.status(), order.total().amount(), order.total().currency(),
                  order.addressId(), order.createdAt().toEpochMilli(), order.expiresAt().toEpochMilli());
        for (OrderLine line : order.items()) {
            tx.insert(INSERT_LINE, order.orderId(), line.productId(), line.name(), line.unitPrice().amount(),
                      line.unitPrice().currency(), line.quantity());
        }
    }

    /** PENDING_PAYMENT → PAID; false when the order was in another state. */
    static boolean markPaid(DbTransaction tx, String orderId) {
        return tx.update(TO_PAID, orderId) == 1;
    }

    /** PENDING_PAYMENT → CANCELLED ({@code reason} USER or EXPIRED); false when the order was in another state. */
    static boolean markCancelled(DbTransaction tx, String orderId, String reason) {
        return tx.update(TO_CANCELLED, reason, orderId) == 1;
    }

    /** PAID → CANCELLED ({@code reason} OUT_OF_STOCK): its payment is to be refunded; false when in another state. */
    static boolean markPaidCancelled(DbTransaction tx, String orderId, String reason) {
        return tx.update(PAID_TO_CANCELLED, reason, orderId) == 1;
    }

    /** PAID → FULFILLED; false when the order was in another state. */
    static boolean markFulfilled(DbTransaction tx, String orderId) {
        return tx.update(TO_FULFILLED, orderId) == 1;
    }

    private static List<Order> withLines(DbExecute exec, List<DbRow> rows) {
        Map<String, List<OrderLine>> lines = lines(exec, rows.stream().map(r -> r.column("order_id").getString()).toList());
        List<Order> orders = new ArrayList<>(rows.size());
        for (DbRow r : rows) {
            String id = r.column("order_id").getString();
            orders.add(new Order(id,
                                 r.column("status").getString(),
                                 lines.getOrDefault(id, List.of()),
                                 money(r, "total_amount", "total_currency"),
                                 r.column("address_id").getString(),
                                 Instant.ofEpochMilli(r.column("created_ms").getLong()),
                                 Instant.ofEpochMilli(r.column("expires_ms").getLong()),
                                 r.column("cancel_reason").getString()));
        }
        return orders;
    }

    // one query for the lines of the whole page, not one per order
    private static Map<String, List<OrderLine>> lines(DbExecute exec, List<String> orderIds) {
        if (orderIds.isEmpty()) {
            return Map.of();
        }
        String marks = orderIds.stream().map(id -> "?").collect(Collectors.joining(","));
        return exec.query(LINES.formatted(marks), orderIds.toArray())
                .collect(Collectors.groupingBy(r -> r.column("order_id").getString(),
                                               Collectors.mapping(OrderStore::line, Collectors.toList())));
    }

    private static Money money(DbRow r, String amount, String currency) {
        return new Money(r.column(amount).getLong(), r.column(currency).getString());
    }

    private static OrderLine line(DbRow r) {
        long unit = r.column("unit_amount").getLong();
        String currency = r.column("unit_currency").getString();
        int quantity = r.column("quantity").getInt();
        return new OrderLine(r.column("product_id").getString(), r.column("name").getString(),
                             new Money(unit, currency), quantity, new Money(unit * quantity, currency));
    }
}
