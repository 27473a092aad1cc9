package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;

/**
 * The optional range check, on a training step of a tiny network whose activation inputs are the
 * network's inputs: P0 learns that some element left its comparison range or polynomial
 * interval exactly when one did, P1 learns nothing, and the step still trains.
 */
class RangeCheckTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    /** 24-bit comparisons are exact for |x| < 2^23 raw = 8.0 at 20 fractional bits. */
    private static final int BITS = 24;

    /** P0's and P1's verdicts after one step with inputs {@code x}, shape (2, 1, 2, 2). */
    private static boolean[] verdicts(Layer activation, double[] x) {
        return verdicts(List.of(activation), x, RangeCheck.ELEMENTS_PER_COMPARISON);
    }

    /** As {@link #verdicts(Layer, double[])}, through several checked layers in turn. */
    private static boolean[] verdicts(List<Layer> checked, double[] x, int elementsPerComparison) {
        return verdicts(checked, x, elementsPerComparison, 1);
    }

    /** As {@link #verdicts(List, double[], int)}, the batch of two split into {@code microBatches}. */
    private static boolean[] verdicts(List<Layer> checked, double[] x, int elementsPerComparison, int microBatches) {
        Shape in = Shape.of(2, 1, 2, 2);
        Network.Builder b = Network.builder();
        Shape out = in;
        for (Layer l : checked) {
            b.add(l);
            out = l.outputShape(out);
        }
        Network net = b.addFlatten().addDense(out.size() / 2, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
        List<SecureModel> models = new ArrayList<>();
        for (Role r : new Role[]{Role.P0, Role.P1}) {
            models.add(SecureModel.create(net, in, new SecureSetup(r, Mode.OPTIMIZED, FP, new Initializer(1, 0.1),
                    new RangeCheck(elementsPerComparison)), new Sgd(0.01, 0, 0), microBatches));
        }
        double[] y = new double[20];
        y[3] = 1;
        y[17] = 1;
        LocalComputation.Result<Boolean> r = LocalComputation.run(models.get(0).plan(), 1, AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
                    SecureModel m = models.get(party.role().partyIndex());
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor xs = party.shareInput(Role.P0, FP.encode(in, x), in, 0);
                    Ring128Tensor ys = party.shareInput(Role.P1, FP.encode(Shape.of(2, 10), y), Shape.of(2, 10), 1);
                    m.trainStep(party, xs, ys);
                    return m.rangeExceeded();
                });
        return new boolean[]{r.p0(), r.p1()};
    }

    private static double[] inputs(double extreme) {
        double[] x = {0.5, -1.0, 7.9, -7.9, 3.0, -0.25, 1.5, 0.0};
        if (!Double.isNaN(extreme)) {
            x[5] = extreme;
        }
        return x;
    }

    @Test
    void reluInsideItsComparisonRangePassesAndOneElementOutsideIsReportedToP0Only() {
        Relu relu = new Relu(BITS);
        assertEquals(Arrays.toString(new boolean[]{false, false}), Arrays.toString(verdicts(relu, inputs(Double.NaN))));
        assertEquals(Arrays.toString(new boolean[]{true, false}), Arrays.toString(verdicts(relu, inputs(8.0))));
        assertEquals(Arrays.toString(new boolean[]{true, false}), Arrays.toString(verdicts(relu, inputs(-8.01))));
        assertEquals(Arrays.toString(new boolean[]{true, false}), Arrays.toString(verdicts(relu, inputs(1000.0))));
        // far enough out, the loss's values leave the range of the plan's narrow masks (2^32 at 20 fractional
        // bits) before the verdict: the opening that shows it is refused, naming its mask, at both parties
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> verdicts(relu, inputs(1e9)));
        assertTrue(e.getMessage().contains("the range of its narrow mask"), e.getMessage());
        assertFalse(verdicts(relu, inputs(-8.0))[0], "-2^23 raw is still in range");
    }

    /**
     * In micro-batches (one image each here) each keeps its rows' checked tensors and the whole
     * batch's are checked once after them: an element outside in either micro-batch is seen.
     */
    @Test
    void inMicroBatchesTheOneVerdictCoversEveryMicroBatchsRows() {
        List<Layer> poolThenRelu = List.of(new MaxPool2d(2, BITS), new Relu(BITS));
        int all = RangeCheck.ELEMENTS_PER_COMPARISON;
        assertEquals(Arrays.toString(new boolean[]{false, false}),
                Arrays.toString(verdicts(poolThenRelu, new double[]{7.9, 7.8, 7.95, 7.9, -1, 0, 1, 2}, all, 2)));
        assertEquals(Arrays.toString(new boolean[]{true, false}),
                Arrays.toString(verdicts(poolThenRelu, new double[]{8.0, 7.8, 7.95, 7.9, -1, 0, 1, 2}, all, 2)),
                "the maximum 8.0 at the ReLU in the first micro-batch");
        assertEquals(true, verdicts(poolThenRelu, new double[]{7.9, 7.8, 7.95, 7.9, 1, -7.5, -7.5, -7.5}, all, 2)[0],
                "a difference of 8.5 at the pool in the second micro-batch");
        assertEquals(true, verdicts(List.of(new Relu(BITS)), inputs(-8.01), all, 2)[0], "the ReLU, second micro-batch");
    }

    @Test
    void maxPoolChecksTheDifferencesItCompares() {
        MaxPool2d pool = new MaxPool2d(2, BITS);
        assertFalse(verdicts(pool, new double[]{3.9, -3.9, 0, 1, 2, 2, 2, 2})[0], "differences up to 7.8");
        assertEquals(true, verdicts(pool, new double[]{4.1, -4.0, 0, 1, 2, 2, 2, 2})[0], "a difference of 8.1");
    }

    /**
     * Several checked layers share the step's comparison: an element outside in any one of them
     * is seen, whether all fit one comparison or are cut into slices of 4 (cutting the pool's
     * 6 differences and the ReLU's 2 inputs, stacked twice, into 4 comparisons), and so is one
     * in a layer whose limit needs another width (its own comparison).
     */
    @Test
    void everyCheckedLayerOfTheStepIsSeenInTheOneComparisonOrItsSlices() {
        List<Layer> poolThenRelu = List.of(new MaxPool2d(2, BITS), new Relu(BITS));
        for (int slice : new int[]{RangeCheck.ELEMENTS_PER_COMPARISON, 4, 6}) {
            assertFalse(verdicts(poolThenRelu, new double[]{7.9, 7.8, 7.95, 7.9, -1, 0, 1, 2}, slice)[0], "all within 8.0");
            assertEquals(true, verdicts(poolThenRelu, new double[]{8.0, 7.8, 7.95, 7.9, -1, 0, 1, 2}, slice)[0],
                    "differences within, the maximum 8.0 at the ReLU is not; slices of " + slice);
            assertEquals(true, verdicts(poolThenRelu, new double[]{7.9, 7.8, 7.95, 7.9, -1, -1, -1, 7.5}, slice)[0],
                    "a difference of 8.5 at the pool; slices of " + slice);
            assertEquals(true, verdicts(poolThenRelu, new double[]{7.9, 7.8, 7.95, 7.9, 1, -7.5, -7.5, -7.5}, slice)[0],
                    "a difference of 8.5 in the second image; slices of " + slice);
        }
        List<Layer> twoWidths = List.of(new PolyRelu(2, 2.0), new Relu(60)); // 56- and 77-bit checks
        int all = RangeCheck.ELEMENTS_PER_COMPARISON;
        assertFalse(verdicts(twoWidths, new double[]{1.9, -2.0, 0, 1, -1, 0.5, 0, 0}, all)[0]);
        assertEquals(true, verdicts(twoWidths, new double[]{1.9, -2.0, 0, 1, -1, 0.5, 0, 2.5}, all)[0]);
    }

    @Test
    void polynomialActivationChecksItsInterval() {
        PolyRelu poly = new PolyRelu(2, 2.0);
        assertFalse(verdicts(poly, new double[]{1.9, -2.0, 0, 1, -1, 0.5, 0, 0})[0]);
        assertEquals(true, verdicts(poly, new double[]{1.9, -2.0, 0, 1, -1, 0.5, 0, 2.5})[0]);
        assertEquals(true, verdicts(poly, new double[]{1.9, -2.1, 0, 1, -1, 0.5, 0, 0})[0]);
    }

    @Test
    void theCheckChangesThePlanAndIsRefusedWhereItCannotWork() {
        Network net = Network.builder().addRelu().addFlatten().addDense(4, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
        Shape in = Shape.of(2, 1, 2, 2);
        SecureSetup plain = new SecureSetup(Role.P0, Mode.OPTIMIZED, FP, new Initializer(1, 0.1));
        assertNotEquals(Arrays.toString(SecureModel.create(net, in, plain, new Sgd(0.01, 0, 0)).plan().hash()),
                Arrays.toString(SecureModel.create(net, in, plain.withRangeCheck(), new Sgd(0.01, 0, 0)).plan().hash()));
        SecureSetup baseline = new SecureSetup(Role.P0, Mode.BASELINE, FP, new Initializer(1, 0.1)).withRangeCheck();
        assertThrows(IllegalArgumentException.class, () -> new PolyRelu(2, 2.0).secure(in, baseline));
        assertThrows(IllegalArgumentException.class, () -> SecureModel.create(Network.builder().add(new Relu(64)).addFlatten()
                .addDense(4, 10).loss(SoftmaxCrossEntropy.DEFAULT).build(), in, plain.withRangeCheck(), new Sgd(0.01, 0, 0)));
    }
}
