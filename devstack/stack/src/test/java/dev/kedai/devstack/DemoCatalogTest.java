package dev.kedai.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo catalog: its content, and that it is seeded once into the services' real tables. */
class DemoCatalogTest {

    @Test
    void aFewHundredProductsAcrossCategoriesInTwoLanguages() {
        List<DemoCatalog.Item> items = DemoCatalog.items();
        assertThat(items).hasSizeBetween(200, 500);
        assertThat(items).extracting(DemoCatalog.Item::productId).doesNotHaveDuplicates();
        assertThat(items).extracting(DemoCatalog.Item::sku).doesNotHaveDuplicates();
        assertThat(items.stream().map(DemoCatalog.Item::category).distinct().count()).isGreaterThanOrEqualTo(8);
        assertThat(items).allSatisfy(i -> {
            assertThat(i.category()).matches("[a-z0-9-]{1,40}");
            assertThat(i.price()).isPositive();
            assertThat(i.onHand()).isPositive();
        });
        assertThat(items).anySatisfy(i -> assertThat(i.name()).startsWith("Kopi"));
        assertThat(items).anySatisfy(i -> assertThat(i.description()).contains("Coffee"));
    }

    @Test
    void seededOnceIntoEmptySchemas() throws Exception {
        DbAccount product = TestInfra.newDatabase("demo_product");
        DbAccount stock = TestInfra.newDatabase("demo_stock");
        migrate(product, Path.of("../../product/src/main/resources/db/migration"));
        migrate(stock, Path.of("../../stock/src/main/resources/db/migration"));

        int seeded = DemoCatalog.seedIfEmpty(product, stock, step -> { });
        assertThat(seeded).isEqualTo(DemoCatalog.items().size());
        assertThat(DemoCatalog.seedIfEmpty(product, stock, step -> { })).as("second start").isZero();
        assertThat(count(product, "SELECT COUNT(*) FROM products WHERE active")).isEqualTo(seeded);
        assertThat(count(stock, "SELECT COUNT(*) FROM stock_levels WHERE on_hand > 0")).isEqualTo(seeded);
        assertThat(count(product, "SELECT COUNT(*) FROM products WHERE MATCH(name, description) AGAINST ('batik')"))
                .isPositive();
    }

    // the services' own migrations, as Flyway would run them at their start
    private static void migrate(DbAccount db, Path dir) throws IOException, SQLException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(dir)) {
            scripts = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .sorted((a, b) -> Integer.compare(version(a), version(b))).toList();
        }
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement()) {
            for (Path script : scripts) {
                String sql = Files.readString(script).replaceAll("(?m)^\\s*--.*$", "");
                for (String statement : sql.split(";")) {
                    if (!statement.isBlank()) {
                        s.execute(statement);
                    }
                }
            }
        }
    }

    private static int version(Path script) {
        String name = script.getFileName().toString();
        return Integer.parseInt(name.substring(1, name.indexOf("__")));
    }

    private static long count(DbAccount db, String sql) throws SQLException {
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement();
             var r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
