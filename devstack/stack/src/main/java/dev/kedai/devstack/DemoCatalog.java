package dev.kedai.devstack;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;

/**
 * The demo catalog the devstack seeds on its first start: a few hundred products across
 * categories, named in Indonesian and English, with attributes, prices in IDR and stock.
 *
 * <p>Written with SQL into the product and stock schemas (as the database admin) after the
 * services have migrated them, in one transaction per schema, and only when the catalog is
 * empty, so a restart or an admin's own catalog is never touched. Ids derive from the sku, so
 * the same demo product has the same id on every machine. No events are published: stock gets
 * its rows here instead of from ProductCreated.
 */
public final class DemoCatalog {

    /** Category slug, then base names: Indonesian | English. */
    private static final String[][] CATEGORIES = {
            {"kopi", "Kopi Arabika Gayo|Gayo Arabica Coffee", "Kopi Robusta Lampung|Lampung Robusta Coffee",
                    "Kopi Toraja|Toraja Coffee", "Kopi Luwak|Civet Coffee", "Kopi Susu Gula Aren|Palm Sugar Milk Coffee"},
            {"teh", "Teh Melati|Jasmine Tea", "Teh Hijau|Green Tea", "Teh Tarik|Pulled Milk Tea",
                    "Teh Hitam Kayu Aro|Kayu Aro Black Tea", "Teh Serai|Lemongrass Tea"},
            {"makanan", "Rendang Daging|Beef Rendang", "Sambal Bawang|Shallot Chili Relish", "Keripik Singkong|Cassava Chips",
                    "Kerupuk Udang|Prawn Crackers", "Abon Sapi|Beef Floss"},
            {"bumbu", "Kecap Manis|Sweet Soy Sauce", "Terasi Udang|Shrimp Paste", "Gula Aren|Palm Sugar",
                    "Kunyit Bubuk|Turmeric Powder", "Cabai Kering|Dried Chili"},
            {"batik", "Kain Batik Tulis|Hand-drawn Batik Cloth", "Kemeja Batik|Batik Shirt", "Syal Batik|Batik Scarf",
                    "Tas Batik|Batik Bag", "Taplak Batik|Batik Tablecloth"},
            {"kerajinan", "Tas Anyaman Rotan|Woven Rattan Bag", "Wayang Kulit|Shadow Puppet", "Ukiran Kayu Jepara|Jepara Wood Carving",
                    "Keranjang Bambu|Bamboo Basket", "Gerabah Kasongan|Kasongan Pottery"},
            {"kecantikan", "Lulur Mandi|Body Scrub", "Minyak Kelapa Murni|Virgin Coconut Oil", "Sabun Sereh|Lemongrass Soap",
                    "Masker Beras|Rice Face Mask", "Minyak Kayu Putih|Cajeput Oil"},
            {"rumah", "Tikar Pandan|Pandan Mat", "Lampu Bambu|Bamboo Lamp", "Cobek Batu|Stone Mortar",
                    "Bantal Kapuk|Kapok Pillow", "Tempat Nasi|Rice Container"},
            {"elektronik", "Kipas Angin Meja|Desk Fan", "Rice Cooker Mini|Mini Rice Cooker", "Lampu LED Hemat|Energy-saving LED Lamp",
                    "Pengisi Daya Cepat|Fast Charger", "Speaker Bluetooth|Bluetooth Speaker"},
            {"olahraga", "Sepatu Lari|Running Shoes", "Matras Yoga|Yoga Mat", "Bola Sepak Takraw|Sepak Takraw Ball",
                    "Raket Bulu Tangkis|Badminton Racket", "Botol Minum|Water Bottle"},
    };
    private static final String[] VARIANTS = {"Kecil|Small", "Sedang|Medium", "Besar|Large", "Premium|Premium",
            "Hemat|Value", "Edisi Jawa|Java Edition"};
    private static final String[] COLORS = {"merah", "biru", "hijau", "hitam", "putih", "coklat"};
    private static final String[] ORIGINS = {"Aceh", "Jawa Barat", "Yogyakarta", "Bali", "Sulawesi", "Sumatera Barat"};

    /** A demo product and its stock. */
    public record Item(String productId, String sku, String name, String description, long price, String category,
                       String attributes, long onHand) {
    }

    private DemoCatalog() {
    }

    /** Every demo product: 10 categories × 5 items × 6 variants = 300. */
    public static List<Item> items() {
        List<Item> items = new ArrayList<>();
        int n = 0;
        for (String[] category : CATEGORIES) {
            for (int b = 1; b < category.length; b++) {
                String[] base = category[b].split("\\|");
                for (int v = 0; v < VARIANTS.length; v++) {
                    String[] variant = VARIANTS[v].split("\\|");
                    n++;
                    String sku = "DEMO-" + category[0].toUpperCase() + "-" + b + v;
                    String id = UUID.nameUUIDFromBytes(("kedai-demo:" + sku).getBytes(StandardCharsets.UTF_8)).toString();
                    String name = base[0] + " " + variant[0];
                    String description = base[1] + ", " + variant[1].toLowerCase() + ". " + base[0] + " ukuran "
                            + variant[0].toLowerCase() + " dari " + ORIGINS[n % ORIGINS.length] + ".";
                    long price = (5_000L + (n * 7_919L) % 495_000L) / 500 * 500;
                    String attributes = "{\"color\":\"" + COLORS[(b + v) % COLORS.length] + "\",\"size\":\""
                            + variant[1].toLowerCase() + "\",\"origin\":\"" + ORIGINS[n % ORIGINS.length] + "\"}";
                    items.add(new Item(id, sku, name, description, price, category[0], attributes, 5 + (n * 37L) % 196));
                }
            }
        }
        return items;
    }

    /**
     * Seeds the catalog and its stock unless the product schema already has products.
     *
     * @return how many products were written (0 when the catalog was not empty)
     */
    public static int seedIfEmpty(InfraEndpoints infra, Consumer<String> progress) {
        return seedIfEmpty(new DbAccount(infra.jdbcUrl("kedai_product"), infra.dbAdminUser(), infra.dbAdminPassword()),
                           new DbAccount(infra.jdbcUrl("kedai_stock"), infra.dbAdminUser(), infra.dbAdminPassword()),
                           progress);
    }

    /** As {@link #seedIfEmpty(InfraEndpoints, Consumer)}, into the given product and stock schemas. */
    public static int seedIfEmpty(DbAccount productDb, DbAccount stockDb, Consumer<String> progress) {
        try (Connection product = connect(productDb); Connection stock = connect(stockDb)) {
            try (var s = product.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM products")) {
                r.next();
                if (r.getLong(1) > 0) {
                    return 0;
                }
            }
            List<Item> items = items();
            insert(product, """
                    INSERT INTO products (product_id, sku, name, description, price_amount, price_currency, category, attributes)
                    VALUES (?, ?, ?, ?, ?, 'IDR', ?, ?)""", items, (ps, i) -> {
                ps.setString(1, i.productId());
                ps.setString(2, i.sku());
                ps.setString(3, i.name());
                ps.setString(4, i.description());
                ps.setLong(5, i.price());
                ps.setString(6, i.category());
                ps.setString(7, i.attributes());
            });
            insert(stock, "INSERT IGNORE INTO stock_levels (product_id, on_hand, reserved) VALUES (?, ?, 0)", items, (ps, i) -> {
                ps.setString(1, i.productId());
                ps.setLong(2, i.onHand());
            });
            progress.accept("demo catalog: " + items.size() + " products in " + CATEGORIES.length + " categories, with stock");
            return items.size();
        } catch (SQLException e) {
            throw new StackException("seeding the demo catalog failed: " + e.getMessage(), 1);
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps, Item item) throws SQLException;
    }

    private static void insert(Connection c, String sql, List<Item> items, Binder binder) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Item item : items) {
                binder.bind(ps, item);
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    private static Connection connect(DbAccount account) throws SQLException {
        return DriverManager.getConnection(account.url(), account.user(), account.password());
    }
}
