package org.spdz4j.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The metrics of a training command, one row per step (federated: per round): a CSV written row
 * by row and flushed (Commons CSV), so a run stopped early keeps what it measured, and at the end
 * a PNG of one column against the first (XChart, which renders headless). Neither file may exist
 * already: a run never overwrites the metrics of an earlier one. A value that is not known (NaN)
 * is an empty cell and no point. Without either file it only checks the rows.
 */
final class Metrics implements AutoCloseable {
    private final CSVPrinter csv;
    private final Path plot;
    private final String title;
    private final List<String> header;
    private final int plotted;
    private final List<double[]> rows = new ArrayList<>();

    private Metrics(CSVPrinter csv, Path plot, String title, List<String> header, int plotted) {
        this.csv = csv;
        this.plot = plot;
        this.title = title;
        this.header = header;
        this.plotted = plotted;
    }

    /**
     * Creates the CSV (with its header) and checks the PNG can be written, before the run starts.
     *
     * @param csv     the CSV file, or null for none
     * @param plot    the PNG file, or null for none
     * @param plotted the column the PNG shows against the first column
     * @throws IOException naming the file, when it exists or cannot be created
     */
    static Metrics open(Path csv, Path plot, String title, String plotted, String... header) throws IOException {
        List<String> columns = List.of(header);
        int y = columns.indexOf(plotted);
        if (y <= 0) {
            throw new IllegalArgumentException("the plotted column " + plotted + " is not one of " + columns.subList(1, columns.size()));
        }
        Path png = plot == null ? null : png(plot);
        if (png != null && Files.exists(png)) {
            throw new FileAlreadyExistsException(png.toString(), null, "--plot: the file exists; remove it or name another");
        }
        CSVPrinter printer = null;
        if (csv != null) {
            Writer w;
            try {
                w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                throw new FileAlreadyExistsException(csv.toString(), null, "--csv: the file exists; remove it or name another");
            }
            printer = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(header).build());
            printer.flush();
        }
        return new Metrics(printer, png, title, columns, y);
    }

    /** {@code plot} with the {@code .png} it is written under. */
    private static Path png(Path plot) {
        return plot.toString().endsWith(".png") ? plot : Path.of(plot + ".png");
    }

    /** One row, a value per column (NaN: not known); written and flushed at once. */
    synchronized void row(double... values) {
        if (values.length != header.size()) {
            throw new IllegalArgumentException(values.length + " values for the columns " + header);
        }
        if (plot != null) {
            rows.add(values.clone());
        }
        if (csv == null) {
            return;
        }
        List<String> cells = new ArrayList<>(values.length);
        for (double v : values) {
            cells.add(Double.isNaN(v) ? "" : v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
        }
        try {
            csv.printRecord(cells);
            csv.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the metrics to --csv", e);
        }
    }

    /** Closes the CSV and writes the PNG (the points whose value is known). */
    @Override
    public synchronized void close() throws IOException {
        if (csv != null) {
            csv.close();
        }
        if (plot == null) {
            return;
        }
        List<double[]> known = rows.stream().filter(r -> !Double.isNaN(r[plotted])).toList();
        if (known.isEmpty()) {
            System.err.println("--plot: no " + header.get(plotted) + " was measured; " + plot + " not written");
            return;
        }
        XYChart chart = new XYChartBuilder().width(640).height(400).title(title)
                .xAxisTitle(header.get(0)).yAxisTitle(header.get(plotted)).build();
        chart.addSeries(header.get(plotted), known.stream().mapToDouble(r -> r[0]).toArray(),
                known.stream().mapToDouble(r -> r[plotted]).toArray());
        String name = plot.toString();
        BitmapEncoder.saveBitmap(chart, name.substring(0, name.length() - 4), BitmapEncoder.BitmapFormat.PNG);
    }
}
