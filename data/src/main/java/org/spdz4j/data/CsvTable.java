package org.spdz4j.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.spdz4j.layers.FeatureScaling;
import org.spdz4j.core.ring.Shape;

/**
 * Tabular data: {@code DIR/train.csv} and {@code DIR/test.csv}, a header line, numeric feature
 * columns and a label column (named by the layout). The classes are the training file's label
 * values, sorted (numerically when they are all numbers); every feature is standardised by the
 * training file's mean and standard deviation of its column (the owner's statistics; a constant
 * column is only centred). Rows are streamed: only the values kept are held in memory.
 */
final class CsvTable {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
            .setIgnoreSurroundingSpaces(true).build();

    private CsvTable() {
    }

    static Dataset load(Path dir, boolean train, Dataset.Layout layout, boolean inputs, boolean labels) throws IOException {
        Path trainFile = dir.resolve("train.csv");
        Path file = dir.resolve(train ? "train.csv" : "test.csv");
        if (layout.input().rank() != 1) {
            throw new IOException(dir + " holds CSV files (rows of features), but the network's input is " + layout.input()
                    + ": give it [features]");
        }
        Columns columns = columns(file, layout.labelColumn(), layout.input().dim(0));
        Columns trainColumns = columns(trainFile, layout.labelColumn(), layout.input().dim(0));
        if (!new java.util.HashSet<>(columns.features()).equals(new java.util.HashSet<>(trainColumns.features()))) {
            throw new IOException(file + " has the feature columns " + columns.features() + " but " + trainFile + " has "
                    + trainColumns.features());
        }
        List<String> classes = classes(trainFile, trainColumns, layout.fewestClasses());
        List<String> names = trainColumns.features();   // read by name, in the training file's order
        int n = names.size();
        int size = forEachRow(file, columns.header(), null);   // counted first: every value is held once
        if (size == 0) {
            throw new IOException(file + " has no rows under its header");
        }
        float[] values = inputs ? new float[size * n] : null;
        short[] lb = labels ? new short[size] : null;
        forEachRow(file, columns.header(), (rec, where, i) -> {
            if (labels) {
                String value = rec.get(columns.label()).trim();
                int k = classes.indexOf(value);
                if (k < 0) {
                    throw new IOException(where + ": label '" + value + "' is not a class of " + trainFile
                            + " (" + String.join(", ", classes) + ")");
                }
                lb[i] = (short) k;
            }
            if (inputs) {
                readFeatures(rec, names, where, values, i * n);
            }
        });
        FeatureScaling standardised = null;
        if (inputs) {
            double[][] m = train ? moments(values, n) : moments(trainFile, trainColumns);
            standardise(values, n, m);
            standardised = new FeatureScaling(names, m[0], m[1]);
        }
        return Dataset.ofFeatures(values, lb, size, n, classes, standardised);
    }

    /** Told each row of a file, its place ({@code where}: file and line) and its index. */
    private interface RowReader {
        void row(CSVRecord rec, String where, int index) throws IOException;
    }

    /** Reads {@code file}'s rows (refusing one of another width than the header's) into {@code reader}; returns their count. */
    private static int forEachRow(Path file, int header, RowReader reader) throws IOException {
        int i = 0;
        try (Reader r = Files.newBufferedReader(file); CSVParser p = FORMAT.parse(r)) {
            for (CSVRecord rec : p) {
                String where = file + " line " + p.getCurrentLineNumber();
                if (rec.size() != header) {
                    throw new IOException(where + ": " + rec.size() + " cells, the header has " + header);
                }
                if (reader != null) {
                    reader.row(rec, where, i);
                }
                i++;
            }
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            throw new IOException(file + " is not a well-formed CSV file: " + e.getMessage(), e);
        }
        return i;
    }

    private static void readFeatures(CSVRecord rec, List<String> names, String where, float[] out, int at) throws IOException {
        for (int j = 0; j < names.size(); j++) {
            out[at + j] = (float) number(rec.get(names.get(j)), where, names.get(j));
        }
    }

    /**
     * A data holder's own rows: the column {@code idColumn} names each sample, every other column
     * is a feature, standardised by this file's own means and standard deviations.
     */
    static Dataset.Named loadNamed(Path file, Shape input, String idColumn) throws IOException {
        if (input.rank() != 1) {
            throw new IOException(file + " is a CSV file (rows of features), but the network's input is " + input
                    + ": give it [features]");
        }
        Columns c = columns(file, idColumn, input.dim(0), "id column", "--id-column");
        int n = c.features().size();
        int size = forEachRow(file, c.header(), null);
        if (size == 0) {
            throw new IOException(file + " has no rows under its header");
        }
        List<String> ids = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        float[] values = new float[size * n];
        forEachRow(file, c.header(), (rec, where, i) -> {
            String id = rec.get(idColumn).trim();
            if (id.isEmpty() || !seen.add(id)) {
                throw new IOException(where + ": sample id '" + id + "' is " + (id.isEmpty() ? "empty" : "listed twice"));
            }
            ids.add(id);
            readFeatures(rec, c.features(), where, values, i * n);
        });
        double[][] m = moments(values, n);
        standardise(values, n, m);
        return new Dataset.Named(ids, Dataset.ofFeatures(values, null, size, n, List.of(),
                new FeatureScaling(c.features(), m[0], m[1])));
    }

    /**
     * Writes {@code size} rows of the features {@code columns} as a training file, then
     * {@code labelColumn} with {@code classOf}'s name of row i.
     */
    static void write(Path file, float[] values, List<String> columns, int size, String labelColumn,
                      java.util.function.IntFunction<String> classOf) throws IOException {
        int n = columns.size();
        List<String> header = new ArrayList<>(columns);
        header.add(labelColumn);
        print(file, header, size, (row, i) -> {
            addFeatures(row, values, i * n, n);
            row.add(classOf.apply(i));
        });
    }

    /** Writes a holder's own rows: {@code idColumn} first with ids.get(i), then the features {@code columns}. */
    static void writeNamed(Path file, float[] values, List<String> columns, int size, String idColumn, List<String> ids)
            throws IOException {
        int n = columns.size();
        List<String> header = new ArrayList<>(List.of(idColumn));
        header.addAll(columns);
        print(file, header, size, (row, i) -> {
            row.add(ids.get(i));
            addFeatures(row, values, i * n, n);
        });
    }

    private static void addFeatures(List<String> row, float[] values, int at, int n) {
        for (int j = 0; j < n; j++) {
            row.add(Float.toString(values[at + j]));
        }
    }

    /** Writes {@code header}, then {@code size} rows that {@code fill} makes, through Commons CSV (quoting as needed). */
    private static void print(Path file, List<String> header, int size, java.util.function.ObjIntConsumer<List<String>> fill)
            throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (java.io.Writer w = Files.newBufferedWriter(file);
             org.apache.commons.csv.CSVPrinter out = new org.apache.commons.csv.CSVPrinter(w, CSVFormat.DEFAULT)) {
            out.printRecord(header);
            for (int i = 0; i < size; i++) {
                List<String> row = new ArrayList<>();
                fill.accept(row, i);
                out.printRecord(row);
            }
        }
    }

    /** Centres and scales each column of {@code values} (rows of {@code n}) in place by {@code moments}. */
    private static void standardise(float[] values, int n, double[][] moments) {
        for (int i = 0; i < values.length; i++) {
            int j = i % n;
            values[i] = (float) ((values[i] - moments[0][j]) / moments[1][j]);
        }
    }

    /** The header's columns: the features in order, the label, how many cells a row has. */
    private record Columns(List<String> features, String label, int header) {
    }

    private static Columns columns(Path file, String label, int expected) throws IOException {
        return columns(file, label, expected, "label column", "--label-column");
    }

    /** The header, {@code label} the one column that is not a feature ({@code what}, named by {@code option}). */
    private static Columns columns(Path file, String label, int expected, String what, String option) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CSV file " + file + " not found");
        }
        try (Reader r = Files.newBufferedReader(file); CSVParser p = FORMAT.parse(r)) {
            List<String> header = p.getHeaderNames();
            if (!header.contains(label)) {
                throw new IOException(file + " has no " + what + " '" + label + "' (its columns: " + String.join(", ", header)
                        + "; name it with " + option + ")");
            }
            List<String> features = new ArrayList<>(header);
            features.remove(label);
            if (features.size() != expected) {
                throw new IOException(file + " has " + features.size() + " feature columns besides '" + label
                        + "', but the network's input takes " + expected);
            }
            return new Columns(List.copyOf(features), label, header.size());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": its header cannot be read: " + e.getMessage(), e);
        }
    }

    private static double number(String cell, String where, String column) throws IOException {
        try {
            double v = Double.parseDouble(cell.trim());
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IOException(where + ", column " + column + ": '" + cell + "' is not a finite number");
    }

    /** The training file's label values, sorted: numerically when every one is a number. */
    private static List<String> classes(Path trainFile, Columns c, int fewest) throws IOException {
        TreeSet<String> values = new TreeSet<>();
        try (Reader r = Files.newBufferedReader(trainFile); CSVParser p = FORMAT.parse(r)) {
            for (CSVRecord rec : p) {
                if (rec.isSet(c.label())) {
                    values.add(rec.get(c.label()).trim());
                }
            }
        }
        List<String> sorted = new ArrayList<>(values);
        if (sorted.stream().allMatch(v -> v.matches("-?\\d+(\\.\\d+)?"))) {
            sorted.sort(java.util.Comparator.comparingDouble(Double::parseDouble));
        }
        if (sorted.size() > Short.MAX_VALUE) {
            throw new IOException(trainFile + " has " + sorted.size() + " label values in column '" + c.label()
                    + "', more than " + Short.MAX_VALUE + " classes: is '" + c.label() + "' the label column?");
        }
        if (sorted.size() < fewest) {
            throw new IOException(trainFile + " has " + sorted.size() + " label value(s) in column '" + c.label()
                    + "': a classifier needs at least two classes");
        }
        return List.copyOf(sorted);
    }

    /** Each column's mean ([0]) and standard deviation ([1], 1 for a constant column) of {@code values}, rows of {@code n}. */
    private static double[][] moments(float[] values, int n) {
        double[] sum = new double[n];
        double[] squares = new double[n];
        for (int i = 0; i < values.length; i++) {
            sum[i % n] += values[i];
            squares[i % n] += (double) values[i] * values[i];
        }
        return finish(sum, squares, values.length / n);
    }

    /** The same, streamed from the training file (its rows are not kept). */
    private static double[][] moments(Path trainFile, Columns c) throws IOException {
        int n = c.features().size();
        double[] sum = new double[n];
        double[] squares = new double[n];
        float[] row = new float[n];
        int count = forEachRow(trainFile, c.header(), (rec, where, i) -> {
            readFeatures(rec, c.features(), where, row, 0);
            for (int j = 0; j < n; j++) {
                sum[j] += row[j];
                squares[j] += (double) row[j] * row[j];
            }
        });
        return finish(sum, squares, count);
    }

    private static double[][] finish(double[] sum, double[] squares, long count) {
        double[][] m = new double[2][sum.length];
        for (int j = 0; j < sum.length; j++) {
            m[0][j] = sum[j] / count;
            double sd = Math.sqrt(Math.max(0, squares[j] / count - m[0][j] * m[0][j]));
            m[1][j] = sd > 1e-12 ? sd : 1;
        }
        return m;
    }
}
