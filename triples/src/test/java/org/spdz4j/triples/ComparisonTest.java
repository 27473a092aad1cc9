package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.SecureComparison;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;

/** [x >= 0] and relu(x) on shares equal plaintext exactly, inside the range and at its edges. */
class ComparisonTest {
    private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);

    private static BigInteger value(Ring128Tensor t, int i) {
        BigInteger v = new BigInteger(Long.toUnsignedString(t.hi(i))).shiftLeft(64)
                .add(new BigInteger(Long.toUnsignedString(t.lo(i))));
        return v.testBit(127) ? v.subtract(RING) : v;
    }

    private static Ring128Tensor ring(List<BigInteger> values) {
        long[] hi = new long[values.size()];
        long[] lo = new long[values.size()];
        for (int i = 0; i < values.size(); i++) {
            BigInteger v = values.get(i).mod(RING);
            lo[i] = v.longValue();
            hi[i] = v.shiftRight(64).longValue();
        }
        return Ring128Tensor.wrap(Shape.of(values.size()), hi, lo);
    }

    /** Random values in range, and the edges: 0, +-1, +-(2^(k-1) - 1), -2^(k-1). */
    private static List<BigInteger> inRange(int bits, int random) {
        BigInteger half = BigInteger.ONE.shiftLeft(bits - 1);
        List<BigInteger> v = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE.negate(),
                half.subtract(BigInteger.ONE), half.negate().add(BigInteger.ONE), half.negate()));
        AesCtrPrg prg = RingTestSupport.prg(bits);
        Ring128Tensor r = prg.tensor(Shape.of(random), 1, 0);
        for (int i = 0; i < random; i++) {
            BigInteger u = new BigInteger(Long.toUnsignedString(r.lo(i))).add(
                    new BigInteger(Long.toUnsignedString(r.hi(i))).shiftLeft(64));
            v.add(u.mod(half.shiftLeft(1)).subtract(half)); // uniform in [-2^(k-1), 2^(k-1))
        }
        return v;
    }

    /**
     * The comparison of {@code values} twice, on two masks: the plan has the dealer correct the
     * first at P1 and the second at P0 ({@link Plan#correctedParty}), so both ways of sharing
     * the material are checked. Both results, opened.
     */
    private static SecureComparison.Result[] compare(List<BigInteger> values, int bits) {
        return compare(values, bits, Plan.builder("comparison test"));
    }

    private static SecureComparison.Result[] compare(List<BigInteger> values, int bits, Plan.Builder b) {
        Shape shape = Shape.of(values.size());
        List<PlanEntry.Mask> masks = new ArrayList<>();
        List<PlanEntry.Sign> signs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            masks.add(b.mask(shape));
            signs.add(b.sign(masks.get(i), bits));
        }
        Plan plan = b.build();
        assertEquals(List.of(Role.P1, Role.P0), signs.stream().map(plan::correctedParty).toList());
        Ring128Tensor[] opened = runComparisons(plan, masks, signs, ring(values), true);
        return new SecureComparison.Result[]{new SecureComparison.Result(opened[0], opened[1]),
                new SecureComparison.Result(opened[2], opened[3])};
    }

    /**
     * Runs comparison {@code signs[i]} of P0's {@code x} masked with {@code masks[i]}, each in
     * turn: its opened {@code [x >= 0]}, then its opened {@code relu(x)} where {@code relu}, else
     * checks that {@code relu()} is refused. Both parties open the same.
     */
    private static Ring128Tensor[] runComparisons(Plan plan, List<PlanEntry.Mask> masks, List<PlanEntry.Sign> signs,
                                                  Ring128Tensor x, boolean relu) {
        Shape shape = x.shape();
        LocalComputation.Result<Ring128Tensor[]> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(),
                FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor xs = party.shareInput(Role.P0, Role.P0.equals(party.role()) ? x : null, shape, 0);
                    List<Ring128Tensor> opened = new ArrayList<>();
                    for (int i = 0; i < signs.size(); i++) {
                        SecureComparison.Result c = party.compare(signs.get(i), party.mask(xs, masks.get(i)));
                        opened.add(party.open(c.nonNegative()));
                        if (relu) {
                            opened.add(party.open(c.relu()));
                        } else {
                            IllegalStateException e = assertThrows(IllegalStateException.class, c::relu);
                            assertTrue(e.getMessage().contains("planned for its sign alone"), e.getMessage());
                        }
                    }
                    return opened.toArray(Ring128Tensor[]::new);
                });
        assertEquals(List.of(r.p0()), List.of(r.p1()));
        return r.p0();
    }

    /** Compares {@code values} on shares and checks sign and ReLU of each against plaintext. */
    private static void assertSignAndReluExact(List<BigInteger> values, int bits) {
        assertSignAndReluExact(values, bits, Plan.builder("comparison test"));
    }

    private static void assertSignAndReluExact(List<BigInteger> values, int bits, Plan.Builder b) {
        for (SecureComparison.Result r : compare(values, bits, b)) {
            for (int i = 0; i < values.size(); i++) {
                BigInteger x = values.get(i);
                boolean nonNegative = x.signum() >= 0;
                assertEquals(nonNegative ? BigInteger.ONE : BigInteger.ZERO, value(r.nonNegative(), i), "sign of " + x);
                assertEquals(nonNegative ? x : BigInteger.ZERO, value(r.relu(), i), "relu of " + x);
            }
        }
    }

    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {2, 3, 8, 32, 33, 34, 39, 40, 41, 64, 65, 100, 127, 128})
    void signAndReluAreExactInRangeAndAtItsEdges(int bits) {
        List<BigInteger> values = inRange(bits, 300);
        assertSignAndReluExact(values, bits);
    }

    /**
     * Under narrow masks for the comparison's range (openings of {@code bits + 43} bits, the
     * mask's shares below {@code 2^(bits + 40)}), the same exact sign and ReLU: the opening is
     * the same ring element, and the dealer's bits of A are a narrow A's.
     */
    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {2, 8, 21, 22, 40, 41, 64, 65, 85})
    void signAndReluAreExactUnderNarrowMasks(int bits) {
        assertSignAndReluExact(inRange(bits, 300), bits, Plan.builder("narrow").narrowMasks(bits - 1));
    }

    /**
     * Every value of the range for small widths: each shape of the carry tree (pairs and a single
     * top bit, odd and even numbers of groups per level) meets every carry pattern.
     */
    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void everyValueOfASmallRangeComparesExactly(int bits) {
        List<BigInteger> values = new ArrayList<>();
        for (long v = -(1L << (bits - 1)); v < 1L << (bits - 1); v++) {
            values.add(BigInteger.valueOf(v));
        }
        assertSignAndReluExact(values, bits);
    }

    /**
     * A comparison planned for the sign alone gives the same exact bit, for one ring value less
     * per element from the dealer (no {@code A * beta}), on either party's correction; its
     * {@code relu()} is refused, naming why.
     */
    @Test
    void aComparisonForTheSignAloneGivesTheSameBitAndRefusesRelu() {
        int bits = 40;
        List<BigInteger> values = inRange(bits, 300);
        Shape shape = Shape.of(values.size());
        Plan.Builder b = Plan.builder("sign alone");
        List<PlanEntry.Mask> masks = List.of(b.mask(shape), b.mask(shape));
        List<PlanEntry.Sign> signs = List.of(b.signOnly(masks.get(0), bits), b.signOnly(masks.get(1), bits));
        Plan.Builder other = Plan.builder("with relu");
        PlanEntry.Sign withRelu = other.sign(other.mask(shape), bits);
        Plan plan = b.build();
        assertEquals(List.of(Role.P1, Role.P0), signs.stream().map(plan::correctedParty).toList());
        assertEquals(withRelu.correctionShape().size() - values.size(), signs.get(0).correctionShape().size());
        for (Ring128Tensor bit : runComparisons(plan, masks, signs, ring(values), false)) {
            for (int i = 0; i < values.size(); i++) {
                assertEquals(values.get(i).signum() >= 0 ? BigInteger.ONE : BigInteger.ZERO, value(bit, i),
                        "sign of " + values.get(i));
            }
        }
    }

    /** Outside the range the result is the sign of x reduced to a signed k-bit value, as documented. */
    @Test
    void outsideTheRangeTheSignIsThatOfXReducedToKBits() {
        int bits = 40;
        BigInteger half = BigInteger.ONE.shiftLeft(bits - 1);
        List<BigInteger> values = List.of(half, half.add(BigInteger.valueOf(5)), half.negate().subtract(BigInteger.ONE),
                half.shiftLeft(3), half.shiftLeft(1).add(BigInteger.ONE));
        BigInteger mod = half.shiftLeft(1);
        for (SecureComparison.Result r : compare(values, bits)) {
            for (int i = 0; i < values.size(); i++) {
                BigInteger reduced = values.get(i).mod(mod);
                boolean nonNegative = reduced.compareTo(half) < 0;
                assertEquals(nonNegative ? BigInteger.ONE : BigInteger.ZERO, value(r.nonNegative(), i),
                        "sign of " + values.get(i));
            }
            assertEquals(BigInteger.ZERO, value(r.nonNegative(), 0), "2^(k-1) reads as negative");
        }
    }

    /** g [x >= 0] from g's opening and the dealer's M * beta equals the plaintext product exactly. */
    @Test
    void aTensorTimesTheComparisonBitIsExactWithoutOpeningTheBit() {
        List<BigInteger> xs = inRange(40, 200);
        List<BigInteger> gs = inRange(90, 200);
        Shape shape = Shape.of(xs.size());
        Ring128Tensor x = ring(xs);
        Ring128Tensor g = ring(gs);
        Plan.Builder b = Plan.builder("sign product");
        PlanEntry.Mask mx = b.mask(shape);
        PlanEntry.Sign sign = b.sign(mx, 40);
        PlanEntry.Mask mg = b.mask(shape);
        PlanEntry.SignProduct gz = b.signProduct(sign, mg);
        Plan plan = b.build();
        LocalComputation.Result<Ring128Tensor> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FixedPoint.DEFAULT,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    boolean p0 = Role.P0.equals(party.role());
                    Ring128Tensor xsh = party.shareInput(Role.P0, p0 ? x : null, shape, 0);
                    Ring128Tensor gsh = party.shareInput(Role.P1, p0 ? null : g, shape, 1);
                    MaskedTensor gm = party.mask(gsh, mg);
                    IllegalStateException early = assertThrows(IllegalStateException.class,
                            () -> party.multiplyBySign(gz, gm));
                    assertTrue(early.getMessage().contains("needs comparison entry 1 made earlier in step 0"),
                            early.getMessage());
                    party.compare(sign, party.mask(xsh, mx));
                    return party.open(party.multiplyBySign(gz, gm));
                });
        for (int i = 0; i < xs.size(); i++) {
            BigInteger expected = xs.get(i).signum() >= 0 ? gs.get(i) : BigInteger.ZERO;
            assertEquals(expected, value(r.p0(), i), "g times [x >= 0] at " + i);
        }
    }

    /**
     * Products of 2 to 4 and 9 comparison bits, some complemented, from the dealer's products of the
     * random bits: no round, and each equal to the plaintext product of [x >= 0] and 1 - [x >= 0].
     */
    @ParameterizedTest(name = "{0} factors")
    @ValueSource(ints = {2, 3, 4, 9})
    void productsOfComparisonBitsAreExactWithoutARound(int count) {
        List<BigInteger> xs = inRange(40, 60);
        Shape shape = Shape.of(xs.size());
        Ring128Tensor x = ring(xs);
        int n = 50;
        int[][] factors = new int[count][n];
        AesCtrPrg prg = RingTestSupport.prg(count);
        Ring128Tensor r = prg.tensor(Shape.of(count * n), 2, 0);
        for (int f = 0; f < count; f++) {
            for (int e = 0; e < n; e++) {
                int element = (int) Long.remainderUnsigned(r.lo(f * n + e), xs.size());
                factors[f][e] = (r.hi(f * n + e) & 1) == 0 ? element : ~element; // an element may repeat in a product
            }
        }
        Plan.Builder b = Plan.builder("sign monomials");
        PlanEntry.Mask mx = b.mask(shape);
        PlanEntry.Sign sign = b.signOnly(mx, 40);
        PlanEntry.SignMonomials products = b.signMonomials(sign, factors);
        Plan plan = b.build();
        LocalComputation.Result<Ring128Tensor> out = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(),
                FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor xsh = party.shareInput(Role.P0, Role.P0.equals(party.role()) ? x : null, shape, 0);
                    IllegalStateException early = assertThrows(IllegalStateException.class,
                            () -> party.signMonomials(products));
                    assertTrue(early.getMessage().contains("needs comparison entry 1 made earlier in step 0"),
                            early.getMessage());
                    party.compare(sign, party.mask(xsh, mx));
                    long before = party.transport().traffic().rounds();
                    Ring128Tensor p = party.signMonomials(products);
                    assertEquals(before, party.transport().traffic().rounds(), "no round");
                    return party.open(p);
                });
        for (int e = 0; e < n; e++) {
            int expected = 1;
            for (int f = 0; f < count; f++) {
                int i = factors[f][e] < 0 ? ~factors[f][e] : factors[f][e];
                int bit = xs.get(i).signum() >= 0 ? 1 : 0;
                expected *= factors[f][e] < 0 ? 1 - bit : bit;
            }
            assertEquals(BigInteger.valueOf(expected), value(out.p0(), e), "product " + e);
        }
        assertThrows(IllegalArgumentException.class, () -> new PlanEntry.SignMonomials(9, sign, new int[1][n]));
        assertThrows(IllegalArgumentException.class, () -> new PlanEntry.SignMonomials(9, sign, new int[10][n]));
        assertThrows(IllegalArgumentException.class,
                () -> new PlanEntry.SignMonomials(9, sign, new int[][]{{0, 1}, {0, xs.size()}}));
    }

    @Test
    void aComparisonServesOnceAndOnlyItsOwnMask() {
        Shape shape = Shape.of(4);
        Plan.Builder b = Plan.builder("comparison misuse");
        PlanEntry.Mask mx = b.mask(shape);
        PlanEntry.Mask my = b.mask(shape);
        PlanEntry.Sign sign = b.sign(mx, 16);
        Plan plan = b.build();
        RuntimeException e = assertThrows(RuntimeException.class, () -> LocalComputation.run(plan, 1,
                AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    MaskedTensor y = party.mask(Ring128Tensor.zeros(shape), my);
                    return party.compare(sign, y);
                }));
        assertTrue(e.getMessage().contains("comparison entry 2 compares the tensor masked with entry 0 but was given one "
                + "masked with entry 1"), e.getMessage());
        RuntimeException twice = assertThrows(RuntimeException.class, () -> LocalComputation.run(plan, 1,
                AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    MaskedTensor x = party.mask(Ring128Tensor.zeros(shape), mx);
                    party.compare(sign, x);
                    return party.compare(sign, x);
                }));
        assertTrue(twice.getMessage().contains("comparison entry 2 was already used in step 0"), twice.getMessage());
    }
}
