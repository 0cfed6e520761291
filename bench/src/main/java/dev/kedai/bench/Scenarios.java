package dev.kedai.bench;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The scenarios the CLI knows, by name. Add a line here for each new scenario. */
public final class Scenarios {

    private static final Map<String, Supplier<Scenario>> BY_NAME = new TreeMap<>(Map.of(
            "ceiling", CeilingScenario::new,
            "stock-list", StockListScenario::new,
            "login", LoginScenario::new,
            "product-get", ProductGetScenario::new,
            "product-search", ProductSearchScenario::new,
            "product-pages", ProductPagesScenario::new));

    private Scenarios() {
    }

    /** A fresh instance of the scenario called {@code name}, if there is one. */
    public static Optional<Scenario> create(String name) {
        return Optional.ofNullable(BY_NAME.get(name)).map(Supplier::get);
    }

    /** Registered names, sorted. */
    public static Set<String> names() {
        return BY_NAME.keySet();
    }
}
