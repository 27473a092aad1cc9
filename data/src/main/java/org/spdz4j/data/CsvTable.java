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
        List<String> classes = classes(trainFile, trainColumns);
        List<String> names = trainColumns.features();   // read by name, in the training file's order
        int n = names.size();
        List<float[]> rows = new ArrayList<>();
        List<Short> lb = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file); CSVParser p = FORMAT.parse(r)) {
            for (CSVRecord rec : p) {
                String where = file + " line " + p.getCurrentLineNumber();
                if (rec.size() != columns.header()) {
                    throw new IOException(where + ": " + rec.size() + " cells, the header has " + columns.header());
                }
                if (labels) {
                    String value = rec.get(columns.label()).trim();
                    int k = classes.indexOf(value);
                    if (k < 0) {
                        throw new IOException(where + ": label '" + value + "' is not a class of " + trainFile
                                + " (" + String.join(", ", classes) + ")");
                    }
                    lb.add((short) k);
                }
                if (inputs) {
                    float[] row = new float[n];
                    for (int j = 0; j < n; j++) {
                        row[j] = (float) number(rec.get(names.get(j)), where, names.get(j));
                    }
                    rows.add(row);
                }
            }
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            throw new IOException(file + " is not a well-formed CSV file: " + e.getMessage(), e);
        }
        int size = inputs ? rows.size() : lb.size();
        if (size == 0) {
            throw new IOException(file + " has no rows under its header");
        }
        float[] values = null;
        if (inputs) {
            values = standardised(rows, n, train ? moments(rows, n) : moments(trainFile, trainColumns));
        }
        short[] labelArray = null;
        if (labels) {
            labelArray = new short[size];
            for (int i = 0; i < size; i++) {
                labelArray[i] = lb.get(i);
            }
        }
        return Dataset.ofFeatures(values, labelArray, size, n, classes);
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
        List<String> ids = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<float[]> rows = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file); CSVParser p = FORMAT.parse(r)) {
            for (CSVRecord rec : p) {
                String where = file + " line " + p.getCurrentLineNumber();
                if (rec.size() != c.header()) {
                    throw new IOException(where + ": " + rec.size() + " cells, the header has " + c.header());
                }
                String id = rec.get(idColumn).trim();
                if (id.isEmpty() || !seen.add(id)) {
                    throw new IOException(where + ": sample id '" + id + "' is " + (id.isEmpty() ? "empty" : "listed twice"));
                }
                ids.add(id);
                float[] row = new float[n];
                for (int j = 0; j < n; j++) {
                    row[j] = (float) number(rec.get(c.features().get(j)), where, c.features().get(j));
                }
                rows.add(row);
            }
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            throw new IOException(file + " is not a well-formed CSV file: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new IOException(file + " has no rows under its header");
        }
        return new Dataset.Named(ids, Dataset.ofFeatures(standardised(rows, n, moments(rows, n)), null, rows.size(), n,
                List.of()));
    }

    /** {@code rows} as one array, each column centred and scaled by {@code moments}. */
    private static float[] standardised(List<float[]> rows, int n, double[][] moments) {
        float[] values = new float[rows.size() * n];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < n; j++) {
                values[i * n + j] = (float) ((rows.get(i)[j] - moments[0][j]) / moments[1][j]);
            }
        }
        return values;
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
    private static List<String> classes(Path trainFile, Columns c) throws IOException {
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
        if (sorted.size() < 2) {
            throw new IOException(trainFile + " has " + sorted.size() + " label value(s) in column '" + c.label()
                    + "': a classifier needs at least two classes");
        }
        return List.copyOf(sorted);
    }

    /** Each column's mean ([0]) and standard deviation ([1], 1 for a constant column). */
    private static double[][] moments(List<float[]> rows, int n) {
        double[] sum = new double[n];
        double[] squares = new double[n];
        for (float[] row : rows) {
            for (int j = 0; j < n; j++) {
                sum[j] += row[j];
                squares[j] += (double) row[j] * row[j];
            }
        }
        return finish(sum, squares, rows.size());
    }

    /** The same, streamed from the training file (its rows are not kept). */
    private static double[][] moments(Path trainFile, Columns c) throws IOException {
        int n = c.features().size();
        double[] sum = new double[n];
        double[] squares = new double[n];
        long count = 0;
        try (Reader r = Files.newBufferedReader(trainFile); CSVParser p = FORMAT.parse(r)) {
            for (CSVRecord rec : p) {
                for (int j = 0; j < n; j++) {
                    double v = number(rec.get(c.features().get(j)), trainFile + " line " + p.getCurrentLineNumber(),
                            c.features().get(j));
                    sum[j] += v;
                    squares[j] += v * v;
                }
                count++;
            }
        }
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
