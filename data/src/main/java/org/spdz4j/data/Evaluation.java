package org.spdz4j.data;

import java.util.List;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;

/** Plaintext evaluation of a revealed model by its owner. */
public final class Evaluation {
    private static final int BATCH = 500;

    private Evaluation() {
    }

    /** Fraction of the first {@code n} images of {@code data} classified correctly. */
    public static double accuracy(Network network, List<double[]> params, Dataset data, int n) {
        int count = Math.min(n, data.size());
        int correct = 0;
        for (int start = 0; start < count; start += BATCH) {
            int b = Math.min(BATCH, count - start);
            FloatModel m = FloatModel.create(network, network.batchShape(b), new Initializer(0, 0), new Sgd(0, 0, 0));
            m.load(params);
            int[] idx = new int[b];
            for (int i = 0; i < b; i++) {
                idx[i] = start + i;
            }
            FloatTensor logits = m.forward(data.images(idx));
            int k = logits.shape().dim(1);
            for (int i = 0; i < b; i++) {
                if (argmax(logits.values(), i * k, k) == data.label(start + i)) {
                    correct++;
                }
            }
        }
        return correct / (double) count;
    }

    public static int argmax(double[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[from + i] > v[from + best]) {
                best = i;
            }
        }
        return best;
    }
}
