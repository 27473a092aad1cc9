package org.spdz4j.app;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatParam;

/** Parameter copies of a float model, in the order {@link FloatModel#load} takes them. */
final class TrainingTestSupport {
    private TrainingTestSupport() {
    }

    static List<double[]> params(FloatModel m) {
        List<double[]> out = new ArrayList<>();
        for (FloatParam p : m.params()) {
            out.add(p.value().clone());
        }
        return out;
    }
}
