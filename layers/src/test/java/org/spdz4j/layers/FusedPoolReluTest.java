package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Plan;

/** A max pool and the ReLU after it, run forward as one (prediction), give the two layers' values bit for bit in fewer rounds. */
class FusedPoolReluTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    /** The opened output, P0's rounds and the values P0 sent, of {@code layers} forward on {@code x}: as trained (not
     * {@code inference}), or for inference, the pools and ReLUs fused as {@code fused} says (null: apart). */
    private static Object[] forward(List<Layer> layers, Shape input, double[] x, boolean inference,
                                    SecureClassifier.PoolRelu fused) {
        SecureLayers[] stacks = new SecureLayers[2];
        Plan plan = null;
        for (Role r : new Role[]{Role.P0, Role.P1}) {
            SecureSetup setup = new SecureSetup(r, Mode.OPTIMIZED, FP, new Initializer(1, 0.1));
            SecureLayers s = !inference ? new SecureLayers(layers, input, setup)
                    : SecureLayers.forInference(layers, input, setup, fused);
            Plan.Builder b = Plan.builder("fused pool test");
            s.declareForward(b);
            plan = r.equals(Role.P0) ? b.build() : plan;
            stacks[r.partyIndex()] = s;
        }
        LocalComputation.Result<Object[]> out = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FP, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            Ring128Tensor xs = party.shareInput(Role.P0, FP.encode(input, x), input, 0);
            long before = party.transport().traffic().rounds();
            Ring128Tensor y = stacks[party.role().partyIndex()].forward(party, xs);
            long rounds = party.transport().traffic().rounds() - before;
            long sent = party.transport().traffic().total(Direction.SENT).values();
            return new Object[]{party.open(y), rounds, sent};
        });
        return out.p0();
    }

    @ParameterizedTest(name = "{0}x{0} windows on {1}x{1}")
    @CsvSource({"2, 8, 5, 9, 12", "2, 5, 5, 9, 12", "3, 6, 17, 17, 20"})
    void theFusedPoolGivesThePoolAndReluBitForBitInFewerRounds(int k, int side, long allPairsRounds, long tournamentRounds,
                                                               long plainRounds) {
        Shape input = Shape.of(2, 3, side, side);
        List<Layer> layers = List.of(new MaxPool2d(k, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS));
        double[] x = new double[input.size()];
        AesCtrPrg prg = new AesCtrPrg(new byte[16]);
        Ring128Tensor r = prg.tensor(Shape.of(x.length), k, side);
        for (int i = 0; i < x.length; i++) {
            x[i] = ((r.lo(i) >>> 40) % 801 - 400) / 64.0; // -6.25 .. 6.25 in 64ths: ties, windows all negative
        }
        Object[] plain = forward(layers, input, x, false, null);
        Object[] tournament = forward(layers, input, x, true, SecureClassifier.PoolRelu.TOURNAMENT);
        Object[] fused = forward(layers, input, x, true, SecureClassifier.PoolRelu.ALL_PAIRS);
        assertEquals(plain[0], tournament[0], "the tournament's values are the two layers' to the bit");
        assertEquals(plain[0], fused[0], "all pairs' values are the two layers' to the bit");
        assertEquals(plain[0], forward(layers, input, x, true, null)[0]);
        assertEquals(plainRounds, plain[1]);
        assertEquals(tournamentRounds, tournament[1]);
        assertEquals(allPairsRounds, fused[1]);
        // and both are relu(max) of the encoded inputs, exactly
        Shape output = layers.get(0).outputShape(input);
        Ring128Tensor encoded = FP.encode(input, x);
        Ring128Tensor got = (Ring128Tensor) fused[0];
        int oh = output.dim(2);
        for (int o = 0; o < output.size(); o++) {
            int plane = o / (oh * oh);
            int y0 = (o / oh) % oh * k;
            int x0 = o % oh * k;
            long best = 0; // the ReLU's floor
            for (int dy = 0; dy < k; dy++) {
                for (int dx = 0; dx < k; dx++) {
                    best = Math.max(best, encoded.lo((plane * side + y0 + dy) * side + x0 + dx));
                }
            }
            assertEquals(best, got.lo(o), "output " + o);
            assertEquals(0, got.hi(o), "output " + o);
        }
    }

    @ParameterizedTest(name = "a ReLU of {0} bits after a pool of 40")
    @CsvSource({"33"})
    void aReluOfAnotherWidthIsNotFused(int bits) {
        Shape input = Shape.of(1, 1, 4, 4);
        List<Layer> layers = List.of(new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(bits));
        double[] x = new double[input.size()];
        Object[] plain = forward(layers, input, x, false, null);
        Object[] fused = forward(layers, input, x, true, SecureClassifier.PoolRelu.ALL_PAIRS);
        assertEquals(plain[1], fused[1], "left as two layers: the same rounds");
        List<Layer> reluFirst = List.of(new Relu(bits), new MaxPool2d(2, Relu.DEFAULT_BITS));
        assertEquals(forward(reluFirst, input, x, false, null)[2],
                forward(reluFirst, input, x, true, SecureClassifier.PoolRelu.TOURNAMENT)[2], "nor swapped");
        for (boolean allPairs : new boolean[]{false, true}) {
            assertThrows(IllegalArgumentException.class,
                    () -> new MaxPool2d(2, Relu.DEFAULT_BITS).secureWithRelu(input, new Relu(bits), allPairs));
        }
    }

    @ParameterizedTest(name = "fused: {0}")
    @CsvSource({", 12, 0.6", "TOURNAMENT, 9, 0.95", "ALL_PAIRS, 5, 2.3"})
    void aReluBeforeAMaxPoolRunsAfterItForInferenceWithTheSameValuesAndAQuarterOfItsComparisons(
            SecureClassifier.PoolRelu fuse, long rounds, double sentAtMost) {
        Shape input = Shape.of(2, 3, 6, 6);
        List<Layer> layers = List.of(new Relu(Relu.DEFAULT_BITS), new MaxPool2d(2, Relu.DEFAULT_BITS));
        double[] x = new double[input.size()];
        AesCtrPrg prg = new AesCtrPrg(new byte[16]);
        Ring128Tensor r = prg.tensor(Shape.of(x.length), 5, 5);
        for (int i = 0; i < x.length; i++) {
            x[i] = ((r.lo(i) >>> 40) % 801 - 400) / 64.0;
        }
        Object[] trained = forward(layers, input, x, false, null);
        Object[] inference = forward(layers, input, x, true, fuse);
        assertEquals(trained[0], inference[0], "max(relu(x)) and relu(max(x)) to the bit");
        assertEquals(12L, trained[1]);
        assertEquals(rounds, inference[1]);
        // 378 compared elements as trained (the ReLU's 216, the pool's 162), 216 after the pool, 270 fused and a product,
        // 540 all pairs (10 a window) and a product of 216
        double sent = (double) (long) inference[2] / (long) trained[2];
        assertTrue(sent <= sentAtMost, inference[2] + " values sent against " + trained[2] + " as trained");
    }
}
