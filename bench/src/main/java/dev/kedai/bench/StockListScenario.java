package dev.kedai.bench;

import java.net.URI;

/** {@code GET /stock} straight to the stock service: the cheapest read path, a baseline. */
public final class StockListScenario implements Scenario {

    // immutable, so one instance serves every slot
    private static final BenchRequest LIST = BenchRequest.get("/stock", "Accept", "application/json");

    @Override
    public String name() {
        return "stock-list";
    }

    @Override
    public String description() {
        return "GET /stock direct to the stock service (default http://127.0.0.1:8002)";
    }

    @Override
    public URI defaultTarget() {
        return URI.create("http://127.0.0.1:8002");
    }

    @Override
    public BenchRequest nextRequest(long sequence) {
        return LIST;
    }
}
