package dev.kedai.cartorder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/** SQL of the {@code orders} and {@code order_lines} tables. */
public final class OrderStore {

    // epoch millis: TIMESTAMPs read this way do not depend on the session or JVM time zone
    private static final String PAGE = """
            SELECT order_id, status, total_amount, total_currency, address_id,
                   CAST(UNIX_TIMESTAMP(created_at) * 1000 AS SIGNED) AS created_ms,
                   CAST(UNIX_TIMESTAMP(expires_at) * 1000 AS SIGNED) AS expires_ms
            FROM orders WHERE user_id = ?
            ORDER BY created_at DESC, order_id DESC LIMIT ? OFFSET ?""";
    private static final String COUNT = "SELECT COUNT(*) AS total FROM orders WHERE user_id = ?";
    private static final String LINES = """
            SELECT order_id, product_id, name, unit_amount, unit_currency, quantity
            FROM order_lines WHERE order_id IN (%s) ORDER BY order_id, product_id""";

    private final DbClient db;

    public OrderStore(DbClient db) {
        this.db = db;
    }

    /** The user's orders, newest first, each with its lines. */
    public Page<Order> page(String userId, PageRequest request) {
        List<DbRow> rows = db.execute().query(PAGE, userId, request.size(), request.offset()).toList();
        long total = db.execute().get(COUNT, userId).map(r -> r.column("total").getLong()).orElse(0L);
        Map<String, List<OrderLine>> lines = lines(rows.stream().map(r -> r.column("order_id").getString()).toList());
        List<Order> orders = new ArrayList<>(rows.size());
        for (DbRow r : rows) {
            String id = r.column("order_id").getString();
            orders.add(new Order(id,
                                 r.column("status").getString(),
                                 lines.getOrDefault(id, List.of()),
                                 new Money(r.column("total_amount").getLong(), r.column("total_currency").getString()),
                                 r.column("address_id").getString(),
                                 Instant.ofEpochMilli(r.column("created_ms").getLong()),
                                 Instant.ofEpochMilli(r.column("expires_ms").getLong())));
        }
        return Page.of(orders, request, total);
    }

    // one query for the lines of the whole page, not one per order
    private Map<String, List<OrderLine>> lines(List<String> orderIds) {
        if (orderIds.isEmpty()) {
            return Map.of();
        }
        String marks = orderIds.stream().map(id -> "?").collect(Collectors.joining(","));
        return db.execute().query(LINES.formatted(marks), orderIds.toArray())
                .collect(Collectors.groupingBy(r -> r.column("order_id").getString(),
                                               Collectors.mapping(OrderStore::line, Collectors.toList())));
    }

    private static OrderLine line(DbRow r) {
        long unit = r.column("unit_amount").getLong();
        String currency = r.column("unit_currency").getString();
        int quantity = r.column("quantity").getInt();
        return new OrderLine(r.column("product_id").getString(), r.column("name").getString(),
                             new Money(unit, currency), quantity, new Money(unit * quantity, currency));
    }
}
