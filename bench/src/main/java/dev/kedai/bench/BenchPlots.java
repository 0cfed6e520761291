package dev.kedai.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The pictures of a run, PNGs drawn by XChart next to its JSON: what a person reads at a glance.
 * A scenario gets its latency by percentile; the checkout journey its throughput and latency over time.
 */
public final class BenchPlots {

    /** Size of the percentile plot, and of the journey plot (its two charts stacked, each half as high). */
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    private BenchPlots() {
    }

    /** {@code dir/name.json} -> {@code dir/name.png}. */
    public static Path pngNextTo(Path json) {
        return json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + ".png");
    }

    /**
     * Latency (ms) by percentile from a histogram of microseconds. The x axis is 1/(1 − p) on a log
     * scale (10 is p90, 100 is p99, 1000 is p99.9), so the tail gets as much room as the median.
     */
    public static Path latencyPercentiles(String title, AbstractHistogram micros, Path png) throws IOException {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        if (micros.getTotalCount() > 0) {
            for (HistogramIterationValue v : micros.percentiles(5)) {
                double percentile = v.getPercentileLevelIteratedTo();
                if (percentile >= 100) {
                    break; // 1/(1-p) is infinite there; the max is in the title
                }
                x.add(100 / (100 - percentile));
                y.add(v.getValueIteratedTo() / 1000.0);
            }
        }
        if (x.isEmpty()) {
            x.add(1.0);
            y.add(0.0);
        }
        XYChart chart = chart(String.format(Locale.ROOT, "%s  (n=%d, max %.1f ms)", title, micros.getTotalCount(),
                micros.getMaxValue() / 1000.0), "percentile as 1/(1-p), log scale: 10 = p90, 100 = p99, 1000 = p99.9, 10000 = p99.99", "latency ms", WIDTH, HEIGHT);
        // XChart's custom tick labels loop forever on a log axis: the title says how to read the decades
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisLogarithmicDecadeOnly(true);
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("latency", x, y).setMarker(SeriesMarkers.NONE);
        write(List.of(chart), png);
        return png;
    }

    /** The journey over time: paid orders per second above, journey latency p50 and p99 per second below. */
    public static Path journeyOverTime(String title, List<JourneySecond> seconds, Path png) throws IOException {
        List<Double> t = new ArrayList<>();
        List<Double> paid = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (JourneySecond s : seconds) {
            t.add((double) s.second());
            paid.add((double) s.paid());
            p50.add(s.p50Ms());
            p99.add(s.p99Ms());
        }
        if (t.isEmpty()) {
            t.add(0.0);
            paid.add(0.0);
            p50.add(0.0);
            p99.add(0.0);
        }
        XYChart throughput = chart(title + ": paid orders per second", "seconds since start", "paid orders/s",
                WIDTH, HEIGHT / 2);
        throughput.addSeries("paid orders/s", t, paid).setMarker(SeriesMarkers.NONE);
        XYChart latency = chart(title + ": journey latency per second (paid journeys)", "seconds since start",
                "latency ms", WIDTH, HEIGHT / 2);
        latency.addSeries("p50", t, p50).setMarker(SeriesMarkers.NONE);
        latency.addSeries("p99", t, p99).setMarker(SeriesMarkers.NONE);
        write(List.of(throughput, latency), png);
        return png;
    }

    private static XYChart chart(String title, String xTitle, String yTitle, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    private static void write(List<XYChart> charts, Path png) throws IOException {
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
