package org.spdz4j.training;

import org.spdz4j.data.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.layers.MaxPool2d;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Relu;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.triples.Dealer;

/**
 * DESIGN.md section 6: one step of the seed network at batch 128, counted by the transport.
 * Conv and dense rows equal the seed's figures in both modes; the ReLU rows differ from the
 * seed's because the quadratic approximation needs one product where the seed's needed more.
 */
class CommunicationTableTest {
    private static final int N = 128;

    @Test
    void optimizedStaysUnder4200KValuesPerPartyPerStep() {
        LocalTraining.Result r = oneStep(seedNetworkAtN().withMode(Mode.OPTIMIZED));
        List<String> s = r.layerScopes();
        assertEquals(longs(packed(N * 784) + packed(288), gradient(N * 32 * 14 * 14)), phases(r, s.get(0))); // 903,456 before narrow masks
        assertEquals(longs(packed(N * 32 * 14 * 14), gradient(N * 32 * 14 * 14)), phases(r, s.get(1))); // one opening each way
        assertEquals(longs(packed(N * 32 * 14 * 14) + packed(9216), gradient(N * 32 * 7 * 7)), phases(r, s.get(2))); // 1,012,736 before
        assertEquals(longs(packed(N * 32 * 7 * 7), gradient(N * 32 * 7 * 7)), phases(r, s.get(3)));
        assertEquals(longs(packed(N * 1568) + packed(15680), gradient(N * 10)), phases(r, s.get(5))); // 217,664 before
        long loss = CommunicationReport.values(r.p0Traffic(), SecureModel.LOSS_SCOPE, 1);
        // the first squaring's w; per scale g and its row sums r (broadcast) together; between scales one
        // refinement fused with the next squaring, w and 2 - sum(w) (broadcast); after the last scale 4
        // refinements, w and 2 - sum(w) (RowNormaliser's schedule for 10 classes); every opening under a narrow
        // mask, each a multiple of 4 elements, so packed exactly as together
        assertEquals(packed(N * 10 + 8 * 2 * N * 10 + 7 * 2 * N * 10 + 4 * (N * 10 + N)), loss);
        long total = p0StepValues(r);
        assertEquals(2_951_376, total); // 4,186,208 under whole-ring masks, 3,139,656 with the backward's at 96 bits
        assertTrue(total <= 4_200_000);
        // one round per opening: image and weights of a layer together, each error once
        for (int layer : new int[]{0, 1, 2, 3, 5}) {
            assertEquals(2, rounds(r, s.get(layer)), s.get(layer));
        }
        // the first squaring; each scale; the 7 fused refinements and squarings; the last 4 refinements (a Newton
        // reciprocal after each squaring took 8 * 17, and the unfused schedule 8 * (1 + 1) + 7 * 1 + 4 = 27)
        assertEquals(1 + 8 + 7 + 4, CommunicationReport.rounds(r.p0Traffic(), SecureModel.LOSS_SCOPE, 1));
        assertEquals(5 * 2 + 20, stepRounds(r));
        // the dealer sends one correction per product and power, to one party or the other: here as many values as openings, roughly
        assertEquals(r.plan().correctionValues(), dealerStepValues(r));
    }

    @Test
    void baselineMasksEveryOperandAfresh() {
        LocalTraining.Result r = oneStep(seedNetworkAtN().withMode(Mode.BASELINE));
        List<String> s = r.layerScopes();
        int cols1 = 9 * N * 784;
        int cols2 = 288 * N * 14 * 14;
        assertEquals(longs(packed(cols1) + packed(288), gradient(N * 32 * 28 * 28) + gradient(cols1)), phases(r, s.get(0))); // 5,017,888 before
        assertEquals(longs(packed(cols2) + packed(9216), gradient(N * 32 * 14 * 14) + gradient(cols2) + gradient(9216) + gradient(N * 32 * 14 * 14)),
                phases(r, s.get(3))); // 16,074,752 before
        assertEquals(longs(packed(N * 1568) + packed(15680), gradient(N * 10) + gradient(N * 1568) + gradient(N * 10) + gradient(15680)),
                phases(r, s.get(7))); // 435,328 before
        long total = p0StepValues(r);
        assertEquals(17_775_690, total); // 25,598,496 under whole-ring masks, 19,198,872 with the backward's at 96 bits
    }

    /**
     * The same network with max pooling and exact ReLU by secure comparison (k = 40): the
     * comparison rows beside the polynomial ones, and the dealer's values, per step.
     */
    @Test
    void comparisonNetworkRowsBesideThePolynomialOnes() {
        LocalTraining.Result r = oneStep(seedNetworkAtN().withNetwork(
                Network.seed(new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS))));
        List<String> s = r.layerScopes();
        // the convolutions open what they opened in the polynomial network forward; backward their gradient
        // arrives opened from the max pool above (derived masks: each level opens one of each pair)
        assertEquals(longs(packed(N * 784) + packed(288), 0), phases(r, s.get(0)));
        assertEquals(longs(packed(N * 32 * 14 * 14) + packed(288 * 32), 0), phases(r, s.get(3)));
        // the first max pool's backward: the gradient at the top, then one of each pair per level (1 + 1 + 2 per window)
        assertEquals(gradient(N * 32 * 28 * 28), phases(r, s.get(1)).get(1));
        assertEquals(longs(packed(N * 1568) + packed(15680), gradient(N * 10)), phases(r, s.get(7)));
        long total = p0StepValues(r);
        long dealer = dealerStepValues(r);
        System.out.printf("max pool + exact ReLU: %,d values from P0, %,d from the dealer per step%n", total, dealer);
        assertEquals(7_843_536, total); // 11,869,408 under whole-ring masks, 9,317,576 with every opening at 96 bits
        assertEquals(19_925_984, dealer); // 20,427,744 with a ring value for [beta] and a tree of pairs
        assertEquals(r.plan().correctionValues(), dealer);
    }

    /**
     * The narrow network (16 channels in the first convolution) with max pooling and exact ReLU:
     * 18,816 comparisons per image instead of 31,360, within 3x of the polynomial seed network
     * (2,951,376 values from P0, 4,151,904 from the dealer, asserted above) both online and from
     * the dealer.
     */
    @Test
    void narrowComparisonNetworkStaysWithin3xOfThePolynomialSeedNetwork() {
        LocalTraining.Result r = oneStep(seedNetworkAtN().withNetwork(
                Network.narrow(new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS))));
        long total = p0StepValues(r);
        long dealer = dealerStepValues(r);
        assertEquals(4_754_148, total); // 7,185,744 under whole-ring masks, 5,638,620 with every opening at 96 bits
        assertEquals(12_005_968, dealer); // 12,307,024 with a ring value for [beta] and a tree of pairs
        // the first pool compares 3 values per output (two pairs, then their winners), each opened in 83 bits
        // (its comparison's exact range, 2^39; 96 before) and then 34 bits of its comparison (the carry tree's
        // operands and the result's bit; 53 with a tree of pairs): 1,401,792 values before
        List<String> s = r.layerScopes();
        assertEquals(packed(3L * N * 16 * 14 * 14, 83 + 34), phases(r, s.get(1)).get(0));
        // half of it on each of the dealer's links, within the largest entry (the first pool's first comparison)
        long toP1 = dealerStepValues(r, Role.P1);
        assertEquals(r.plan().correctionValues(Role.P1), toP1);
        assertEquals(r.plan().correctionValues(Role.P0), dealer - toP1);
        long largest = r.plan().entries().stream().filter(e -> !(e instanceof PlanEntry.Mask))
                .mapToLong(e -> e.correctionShape().size()).max().orElseThrow();
        assertTrue(Math.abs(dealer - 2 * toP1) <= largest, toP1 + " of " + dealer + " to P1, largest entry " + largest);
        long polynomialDealer = TrainingParty.model(seedNetworkAtN(), Role.P0).plan().correctionValues();
        assertEquals(4_151_904, polynomialDealer);
        assertTrue(total <= 3 * 2_951_376 && dealer <= 3 * polynomialDealer);
        // conv 1, max pool 11, ReLU 5, twice; dense 2; the loss 20 (it took 136 before RowNormaliser, 27 before
        // the fused refinements): 56, where a tree of pairs took 68. Each comparison takes 4 rounds (x's opening,
        // 2 tree levels of combines of four, the bit's opening; 6 with 4 levels of pairs), the routing 1 a level
        assertEquals(2 * (1 + 11 + 5) + 2 + 20, stepRounds(r));
    }

    /**
     * The narrow network with 33-bit comparisons (a network file's {@code bits: 33}; exact for
     * values within 4,096 instead of 524,288): 16 pairs make the carry tree's 16 leaves, as 7
     * groups of three and 9 pairs do at k = 40, so the rounds (56 a step) and the carry trees' bits
     * are the same; P0 sends fewer values (each compared tensor within its narrower range), the
     * dealer fewer (fewer bits of A, no products of three). At batch 32
     * (rounds do not depend on the batch).
     */
    @Test
    void narrowerComparisonsTakeTheSameRoundsAndFewerDealerValues() {
        TrainingConfig at32 = TrainingConfig.seedNetwork(1, 32, 32);
        LocalTraining.Result k40 = oneStep(at32.withNetwork(
                Network.narrow(new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS))));
        LocalTraining.Result r = oneStep(at32.withNetwork(Network.narrow(new MaxPool2d(2, 33), new Relu(33))));
        // conv 1, max pool 11, ReLU 5, twice; dense 2; the loss 20
        assertEquals(2 * (1 + 11 + 5) + 2 + 20, stepRounds(r));
        assertEquals(stepRounds(k40), stepRounds(r));
        // each pool compares 3 values per output, each ReLU 1; opened within the comparison's range: 76 bits
        // at k = 33, 83 at k = 40; the carry trees send the same bits
        long compared = 4L * 32 * 16 * 14 * 14 + 4L * 32 * 32 * 7 * 7;
        assertEquals(p0StepValues(k40) - packed(compared, 83 - 76), p0StepValues(r));
        long dealer = dealerStepValues(r);
        assertEquals(r.plan().correctionValues(), dealer);
        long dealerAt40 = dealerStepValues(k40);
        System.out.printf("narrow, k = 33, batch 32: %,d values from P0, %,d from the dealer per step (%,d at k = 40)%n",
                p0StepValues(r), dealer, dealerAt40);
        assertTrue(dealer < dealerAt40, dealer + " from the dealer at k = 33, " + dealerAt40 + " at 40");
    }

    /**
     * {@code --micro-batches 2} on the narrow network at batch 32: the lanes' rounds ride
     * together, so P0 counts 56 a step as without them; the first lane opens the weights (with
     * the whole batch's mask) and the other takes that opening, so P0 sends exactly the values it
     * sends without micro-batches (each lane sent its copy of the weights until 2026-12-06: 144 +
     * 4,608 + 15,680 elements, 96 bits each, more a lane); the dealer serves the whole batch's
     * plan, the same values.
     */
    @Test
    void microBatchesKeepTheRoundsAndTheValues() {
        TrainingConfig at32 = TrainingConfig.seedNetwork(1, 32, 32)
                .withNetwork(Network.narrow(new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS)));
        LocalTraining.Result whole = oneStep(at32);
        LocalTraining.Result split = oneStep(at32.withMicroBatches(2));
        assertEquals(2 * (1 + 11 + 5) + 2 + 20, stepRounds(split));
        assertEquals(stepRounds(whole), stepRounds(split));
        assertEquals(p0StepValues(whole), p0StepValues(split));
        assertEquals(dealerStepValues(whole), dealerStepValues(split));
    }

    /**
     * {@code --check-range} on the narrow network: every compared tensor of the step is checked
     * at the end of the step, their openings stacked twice (nothing opened again) and
     * compared in slices of 2^20 elements, then the verdict. The layers keep their 56 rounds; the
     * check adds, of P0's rounds, 4 a slice (2 at batch 32, 5 at 128; its 56-bit comparisons keep
     * pairs, three levels) and the verdict's opening and 40-bit comparison, 4 (then P1 reveals the
     * bit to P0, one way). Each tensor had two comparisons
     * of its own before: 72 rounds and the verdict's 7.
     */
    @Test
    void theRangeCheckComparesInSlicesAtTheEndOfTheForwardPass() {
        int n = 32;
        LocalTraining.Result r = oneStep(TrainingConfig.seedNetwork(1, n, n).withNetwork(
                Network.narrow(new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS))).withRangeCheck(true));
        assertEquals(2 * (1 + 11 + 5) + 2 + 20, stepRounds(r), "the layers' and the loss's rounds are as without the check");
        // each pool compares 3 values per output (two pairs, then their winners), each ReLU 1
        long checked = 4L * n * 16 * 14 * 14 + 4L * n * 32 * 7 * 7;
        long slices = (2 * checked + (1 << 20) - 1) >> 20;
        assertEquals(2, slices);
        long check = CommunicationReport.rounds(r.p0Traffic(), SecureModel.RANGE_CHECK_SCOPE, 1);
        assertEquals(4 * slices + (1 + 3), check); // 6 a slice and 1 + 5 with a tree of pairs
        // its comparisons are for the sign alone (signOnly): no A * beta from the dealer; 2,803,692 values a step
        // for the check (2,464,949 with a tree of pairs: combines of four take more products of masks)
        assertEquals(3_016_816 + 2_803_692, dealerStepValues(r));
    }

    /** P0's rounds in one step: every layer's and the loss's. */
    private static long stepRounds(LocalTraining.Result r) {
        long sum = CommunicationReport.rounds(r.p0Traffic(), SecureModel.LOSS_SCOPE, 1);
        for (String scope : r.layerScopes()) {
            sum += rounds(r, scope);
        }
        return sum;
    }

    private static long rounds(LocalTraining.Result r, String scope) {
        return CommunicationReport.rounds(r.p0Traffic(), SecureModel.forwardScope(scope), 1)
                + CommunicationReport.rounds(r.p0Traffic(), SecureModel.backwardScope(scope), 1);
    }

    /**
     * The ring values that carry an opening of {@code n} elements under the plan's narrow masks:
     * 96 bits an element ({@code NarrowOpening.bits(NarrowOpening.RANGE_BITS)}), packed, where a
     * whole-ring mask took n.
     */
    private static long packed(long n) {
        return packed(n, 96);
    }

    /** The same for a gradient: 84 bits an element (the backward pass's range, {@code SecureModel.gradientRangeBits}). */
    private static long gradient(long n) {
        return packed(n, 84);
    }

    private static long packed(long n, int bits) {
        return (n * bits + 127) / 128;
    }

    private static List<Long> longs(long... v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    /** One epoch of one batch of N images: one step. */
    private static TrainingConfig seedNetworkAtN() {
        return TrainingConfig.seedNetwork(1, N, N);
    }

    /** One step of {@code c}, its table printed. */
    private static LocalTraining.Result oneStep(TrainingConfig c) {
        LocalTraining.Result r = LocalTraining.run(c, TestData.train(), step -> { });
        System.out.print(CommunicationReport.table(r));
        return r;
    }

    /** Ring values P0 sent P1 in the step (setup and the model reveal left out). */
    private static long p0StepValues(LocalTraining.Result r) {
        return r.p0Traffic().total(Role.P1, Direction.SENT).values() - handshake(r);
    }

    /** Ring values of correlated randomness the dealer sent both parties in the step. */
    private static long dealerStepValues(LocalTraining.Result r) {
        return dealerStepValues(r, Role.P0) + dealerStepValues(r, Role.P1);
    }

    /** Ring values of correlated randomness the dealer sent {@code party} in the step. */
    private static long dealerStepValues(LocalTraining.Result r, Role party) {
        return r.dealerTraffic().total(Dealer.CORRECTION_SCOPE, party, Direction.SENT).values();
    }

    private static List<Long> phases(LocalTraining.Result r, String scope) {
        return List.of(CommunicationReport.values(r.p0Traffic(), scope + "/forward", 1),
                CommunicationReport.values(r.p0Traffic(), scope + "/backward", 1));
    }

    /** Setup and the model reveal are not part of a step. */
    private static long handshake(LocalTraining.Result r) {
        long outside = 0;
        for (String scope : r.p0Traffic().scopes()) {
            if (!scope.endsWith("/forward") && !scope.endsWith("/backward") && !scope.equals(SecureModel.LOSS_SCOPE)) {
                outside += r.p0Traffic().total(scope, Role.P1, Direction.SENT).values();
            }
        }
        return outside;
    }
}
