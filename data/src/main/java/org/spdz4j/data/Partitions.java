package org.spdz4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Partitions of a labelled dataset among {@code k} clients for federated experiments: IID, non-IID
 * by a Dirichlet(alpha) over each class's share per client, and shards of two classes per client
 * (McMahan et al. 2017). Public, seeded, reproducible: the split itself is no secret.
 *
 * <pre>{@code
 * int[][] parts = Partitions.of("dirichlet:0.5", labels, 10, seed);   // indices per client
 * }</pre>
 */
public final class Partitions {
    private Partitions() {
    }

    /** {@code iid}, {@code dirichlet:ALPHA} or {@code shards}; {@code labels[i]} is sample i's class (0, 1, ...). */
    public static int[][] of(String spec, int[] labels, int k, long seed) {
        if (spec.equals("iid")) {
            return iid(labels.length, k, seed);
        }
        if (spec.equals("shards")) {
            return shards(labels, k, seed);
        }
        if (spec.startsWith("dirichlet:")) {
            return dirichlet(labels, k, Double.parseDouble(spec.substring("dirichlet:".length())), seed);
        }
        throw new IllegalArgumentException("unknown partition '" + spec + "' (iid, dirichlet:ALPHA or shards)");
    }

    static int[][] iid(int n, int k, long seed) {
        int[] order = shuffled(n, new SplittableRandom(seed));
        int[][] out = new int[k][];
        for (int c = 0; c < k; c++) {
            out[c] = java.util.Arrays.copyOfRange(order, c * n / k, (c + 1) * n / k);
        }
        return out;
    }

    /** Sorted by label, cut into 2k shards, two random shards per client. */
    static int[][] shards(int[] labels, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Integer[] byLabel = new Integer[labels.length];
        for (int i = 0; i < byLabel.length; i++) {
            byLabel[i] = i;
        }
        java.util.Arrays.sort(byLabel, java.util.Comparator.comparingInt((Integer i) -> labels[i]).thenComparingInt(i -> i));
        int[] shardOrder = shuffled(2 * k, r);
        int size = labels.length / (2 * k);
        int[][] out = new int[k][];
        for (int c = 0; c < k; c++) {
            int[] part = new int[2 * size];
            for (int s = 0; s < 2; s++) {
                int shard = shardOrder[2 * c + s];
                for (int i = 0; i < size; i++) {
                    part[s * size + i] = byLabel[shard * size + i];
                }
            }
            out[c] = part;
        }
        return out;
    }

    /** Each class's samples spread over the clients by proportions drawn from Dirichlet(alpha, ..., alpha). */
    static int[][] dirichlet(int[] labels, int k, double alpha, long seed) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("Dirichlet alpha must be positive, got " + alpha);
        }
        SplittableRandom r = new SplittableRandom(seed);
        List<List<Integer>> parts = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            parts.add(new ArrayList<>());
        }
        int classes = java.util.Arrays.stream(labels).max().orElse(-1) + 1; // every class, not only MNIST's ten
        for (int label = 0; label < classes; label++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == label) {
                    members.add(i);
                }
            }
            int[] order = shuffled(members.size(), r);
            List<Integer> mixed = new ArrayList<>();
            for (int i : order) {
                mixed.add(members.get(i));
            }
            members = mixed;
            double[] p = new double[k];
            double sum = 0;
            for (int c = 0; c < k; c++) {
                p[c] = gamma(alpha, r);
                sum += p[c];
            }
            int start = 0;
            double cumulative = 0;
            for (int c = 0; c < k; c++) {
                cumulative += p[c] / sum;
                int end = c == k - 1 ? members.size() : (int) Math.round(cumulative * members.size());
                parts.get(c).addAll(members.subList(start, Math.max(start, end)));
                start = Math.max(start, end);
            }
        }
        int[][] out = new int[k][];
        for (int c = 0; c < k; c++) {
            out[c] = parts.get(c).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
    static double gamma(double shape, SplittableRandom r) {
        if (shape < 1) {
            return gamma(shape + 1, r) * Math.pow(r.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = r.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = r.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /** 0 .. n-1 in the order {@link #shuffle} gives. */
    public static int[] shuffled(int n, SplittableRandom r) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        shuffle(order, r);
        return order;
    }

    /** Shuffles {@code a} in place (Fisher-Yates): the one public data order shuffle of every driver. */
    public static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
