package org.spdz4j.training;

import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.data.Dataset;

/**
 * The same training steps, with the same seeds, on two ring backends: their step times and
 * whether the models revealed to P0 are bit for bit the same.
 *
 * <pre>{@code
 * BackendComparison.Result r = BackendComparison.run(config, train, new JavaRingBackend(16), DeviceRingBackend.cuda());
 * System.out.println(r.speedUp() + "x, identical: " + r.identical());
 * }</pre>
 */
public final class BackendComparison {
    private static final byte[] DEALER_SEED = new byte[16];
    private static final byte[] INPUT_SEED = new byte[16];

    private BackendComparison() {
    }

    /** Median seconds per step (P0's view; the first step, which warms up, counted only if it is the only one). */
    public record Run(String backend, double secondsPerStep, List<double[]> model) {
    }

    public record Result(Run reference, Run candidate) {
        public double speedUp() {
            return reference.secondsPerStep / candidate.secondsPerStep;
        }

        public boolean identical() {
            List<double[]> a = reference.model;
            List<double[]> b = candidate.model;
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!Arrays.equals(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }

        public int parameters() {
            return reference.model.stream().mapToInt(p -> p.length).sum();
        }
    }

    public static Result run(TrainingConfig c, Dataset train, RingBackend reference, RingBackend candidate) {
        return new Result(train(c, train, reference), train(c, train, candidate));
    }

    private static Run train(TrainingConfig c, Dataset train, RingBackend backend) {
        RingBackend previous = RingBackends.use(backend);
        try {
            int steps = LocalTraining.batches(c, train.size()).length;
            long[] ends = new long[steps + 1];
            ends[0] = System.nanoTime();
            LocalTraining.Result r = LocalTraining.run(c, train, s -> ends[s + 1] = System.nanoTime(), DEALER_SEED,
                    INPUT_SEED);
            double[] seconds = new double[steps];
            for (int s = 0; s < steps; s++) {
                seconds[s] = (ends[s + 1] - ends[s]) / 1e9;
            }
            double[] timed = steps > 1 ? Arrays.copyOfRange(seconds, 1, steps) : seconds;
            Arrays.sort(timed);
            return new Run(backend.name(), timed[timed.length / 2], r.model());
        } finally {
            RingBackends.use(previous);
        }
    }
}
