package org.spdz4j.layers;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a CSV's feature columns were standardised for training: each column, by name, centred by
 * its mean and divided by its standard deviation over the training file (the owner's
 * statistics). A model trained on a CSV records it, so new rows are scaled as training scaled
 * them whatever training file sits beside them.
 *
 * <pre>{@code
 * FeatureScaling f = new FeatureScaling(List.of("age", "dose"), new double[]{41.5, 2.0}, new double[]{9.1, 0.5});
 * double x = (raw - f.mean()[1]) / f.sd()[1];   // the column "dose"
 * }</pre>
 *
 * @param columns the feature columns' names, in the network's input order
 * @param mean    each column's mean
 * @param sd      each column's standard deviation, positive
 */
public record FeatureScaling(List<String> columns, double[] mean, double[] sd) {
    public FeatureScaling {
        columns = List.copyOf(columns);
        mean = mean.clone();
        sd = sd.clone();
        if (mean.length != columns.size() || sd.length != columns.size()) {
            throw new IllegalArgumentException(columns.size() + " columns, " + mean.length + " means and " + sd.length
                    + " standard deviations");
        }
        for (int j = 0; j < sd.length; j++) {
            if (!Double.isFinite(mean[j]) || !Double.isFinite(sd[j]) || sd[j] <= 0) {
                throw new IllegalArgumentException("column " + columns.get(j) + ": mean " + mean[j] + ", sd " + sd[j]);
            }
        }
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] sd() {
        return sd.clone();
    }

    /** Whether {@code other} scales the same columns, in the same order, by the same means and deviations. */
    public boolean sameAs(FeatureScaling other) {
        return other != null && columns.equals(other.columns) && java.util.Arrays.equals(mean, other.mean)
                && java.util.Arrays.equals(sd, other.sd);
    }

    /** As one line a column ({@code MEAN SD NAME}): a public fact a coordinator tells its clients. */
    public String encode() {
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < columns.size(); j++) {
            if (columns.get(j).contains("\n")) {
                throw new IllegalArgumentException("column name with a line break: " + columns.get(j));
            }
            s.append(j == 0 ? "" : "\n").append(mean[j]).append(' ').append(sd[j]).append(' ').append(columns.get(j));
        }
        return s.toString();
    }

    /** What {@link #encode} wrote; refused as an {@link IllegalArgumentException} where it is not that. */
    public static FeatureScaling decode(String text) {
        String[] lines = text.split("\n", -1);
        List<String> columns = new ArrayList<>();
        double[] mean = new double[lines.length];
        double[] sd = new double[lines.length];
        for (int j = 0; j < lines.length; j++) {
            String[] parts = lines[j].split(" ", 3);
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a column's statistics: '" + lines[j] + "'");
            }
            mean[j] = Double.parseDouble(parts[0]);
            sd[j] = Double.parseDouble(parts[1]);
            columns.add(parts[2]);
        }
        return new FeatureScaling(columns, mean, sd);
    }

    /** Writes it after a marker: false for none (images), true and the columns for a CSV's. */
    static void write(DataOutputStream out, FeatureScaling f) throws IOException {
        out.writeBoolean(f != null);
        if (f != null) {
            out.writeInt(f.columns.size());
            for (int j = 0; j < f.columns.size(); j++) {
                out.writeUTF(f.columns.get(j));
                out.writeDouble(f.mean[j]);
                out.writeDouble(f.sd[j]);
            }
        }
    }

    /** What {@link #write} wrote, or null; {@code features} the network's input size. */
    static FeatureScaling read(DataInputStream in, int features) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int n = in.readInt();
        if (n != features) {
            throw new IOException(n + " feature columns' statistics for an input of " + features);
        }
        List<String> columns = new ArrayList<>();
        double[] mean = new double[n];
        double[] sd = new double[n];
        for (int j = 0; j < n; j++) {
            columns.add(in.readUTF());
            mean[j] = in.readDouble();
            sd[j] = in.readDouble();
        }
        try {
            return new FeatureScaling(columns, mean, sd);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
