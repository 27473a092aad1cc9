package org.spdz4j.core.mpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.mpc.SecureComparison.Combine;
import org.junit.jupiter.api.Test;

/** The leaves of a comparison's carry tree: what they cover, and the rounds and ANDs of the tree above them. */
class CarryTreeTest {
    /** Levels of a tree over {@code leaves} leaves that takes four nodes to one (rounding up) at each level. */
    private static int levelsOver(int leaves) {
        int levels = 0;
        for (int count = leaves; count > 1; count = (count + 3) / 4) {
            levels++;
        }
        return levels;
    }

    @Test
    void theGroupsCoverTheLowBitsAndNeverTakeMoreLevelsThanPairs() {
        for (int bits = 2; bits <= 128; bits++) {
            int[] groups = SecureComparison.groups(bits);
            assertEquals(bits - 1, Arrays.stream(groups).sum(), "k = " + bits);
            assertTrue(Arrays.stream(groups).allMatch(size -> size >= 1 && size <= 3), "k = " + bits);
            int pairsOnly = levelsOver(bits / 2);
            int levels = SecureComparison.levels(bits);
            assertEquals(levelsOver(groups.length), levels, "k = " + bits);
            assertEquals(levels, SecureComparison.tree(bits).size(), "k = " + bits);
            assertTrue(levels == pairsOnly || levels == pairsOnly - 1, "k = " + bits + ": " + levels + " levels");
            // groups of three are used exactly where they take a level off
            boolean triples = Arrays.stream(groups).anyMatch(size -> size == 3);
            assertEquals(triples, levels < pairsOnly, "k = " + bits);
        }
    }

    @Test
    void atTheDefaultWidthSevenGroupsOfThreeAndNinePairsMakeSixteenLeavesAndTwoLevels() {
        int[] expected = new int[16];
        Arrays.fill(expected, 0, 7, 3);
        Arrays.fill(expected, 7, 16, 2);
        assertArrayEquals(expected, SecureComparison.groups(40));
        assertEquals(2, SecureComparison.levels(40));
        // four combines of four nodes, then one: the lowest of each level makes no propagate
        assertEquals(List.of(List.of(new Combine(4, true), new Combine(4, false), new Combine(4, false), new Combine(4, false)),
                List.of(new Combine(4, true))), SecureComparison.tree(40));
        // a lowest combine opens p1..p3 and g0..g2, the others p0 too: 6 + 3 * 7 + 6 operands and the result's
        // bit, 34 bits each way (53 with two-node combines, four levels and an opening per AND operand)
        assertEquals(6 + 3 * 7 + 6 + 1, SecureComparison.onlineBits(40));
        // the dealer's products of masks: g0 p1 p2 p3, g1 p2 p3, g2 p3 and their subsets of two or more (11 + 3 + 1),
        // and p0 p1 p2 p3's that are not among them (7)
        assertEquals(15, new Combine(4, true).productSets().length);
        assertEquals(22, new Combine(4, false).productSets().length);
        assertEquals(15 + 3 * 22 + 15, SecureComparison.maskProducts(40));
        // widths where three-bit groups cannot take a level off stay on pairs
        assertEquals(2, SecureComparison.levels(33));
        assertEquals(3, SecureComparison.levels(56));
        assertEquals(3, SecureComparison.levels(64));
        assertArrayEquals(new int[]{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, SecureComparison.groups(33));
    }

    @Test
    void aCombinesMonomialsAreTheCarryOfItsNodes() {
        // every assignment of (g, p) to the nodes of a combine, with g and p never both 1: G and P by the monomials
        // against a ripple of the nodes' carries, low to high
        for (int nodes = 2; nodes <= 4; nodes++) {
            for (boolean lowest : new boolean[]{true, false}) {
                Combine c = new Combine(nodes, lowest);
                for (int code = 0; code < Math.pow(3, nodes); code++) {
                    int[] g = new int[nodes];
                    int[] p = new int[nodes];
                    int rest = code;
                    for (int i = 0; i < nodes; i++, rest /= 3) {
                        g[i] = rest % 3 == 1 ? 1 : 0;
                        p[i] = rest % 3 == 2 ? 1 : 0;
                    }
                    int values = 0; // the operands' values as a set
                    for (int i = 0; i < nodes; i++) {
                        if (p[i] == 1 && (i > 0 || !lowest)) {
                            values |= 1 << c.p(i);
                        }
                        if (g[i] == 1 && i < nodes - 1) {
                            values |= 1 << c.g(i);
                        }
                    }
                    int generate = g[nodes - 1];
                    for (int term : c.generateTerms()) {
                        generate ^= (values & term) == term ? 1 : 0;
                    }
                    int carry = 0;
                    int propagate = 1;
                    for (int i = 0; i < nodes; i++) {
                        carry = g[i] | (p[i] & carry);
                        propagate &= p[i];
                    }
                    assertEquals(carry, generate, c + " at " + Arrays.toString(g) + Arrays.toString(p));
                    if (!lowest) {
                        int term = c.propagateTerm();
                        assertEquals(propagate, (values & term) == term ? 1 : 0, c + " at " + Arrays.toString(p));
                    }
                }
            }
        }
    }
}
