package org.spdz4j.core.mpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The leaves of a comparison's carry tree: what they cover, and the rounds and ANDs of the tree above them. */
class CarryTreeTest {
    /** Levels of a tree over {@code leaves} leaves that halves (rounding up) at each level. */
    private static int levelsOver(int leaves) {
        int levels = 0;
        for (int count = leaves; count > 1; count = (count + 1) / 2) {
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
            assertTrue(levels == pairsOnly || levels == pairsOnly - 1, "k = " + bits + ": " + levels + " levels");
            // groups of three are used exactly where they take a level off
            boolean triples = Arrays.stream(groups).anyMatch(size -> size == 3);
            assertEquals(triples, levels < pairsOnly, "k = " + bits);
        }
    }

    @Test
    void atTheDefaultWidthSevenGroupsOfThreeAndNinePairsTakeTheTreeFromFiveLevelsToFour() {
        int[] expected = new int[16];
        Arrays.fill(expected, 0, 7, 3);
        Arrays.fill(expected, 7, 16, 2);
        assertArrayEquals(expected, SecureComparison.groups(40));
        assertEquals(4, SecureComparison.levels(40));
        assertEquals(15 + 7 + 3 + 1, SecureComparison.ands(40));
        // a combine's two ANDs share the upper group's propagate, opened once: 8 + 4 + 2 + 1 openings of it, one
        // of each other operand, and the result's bit: 42 bits each way, where an opening per operand took 53
        assertEquals(8 + 4 + 2 + 1, SecureComparison.combines(40));
        assertEquals(15 + 26 + 1, SecureComparison.onlineBits(40));
        // widths where three-bit groups cannot take a level off stay on pairs
        assertEquals(4, SecureComparison.levels(33));
        assertEquals(5, SecureComparison.levels(56));
        assertEquals(5, SecureComparison.levels(64));
        assertArrayEquals(new int[]{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, SecureComparison.groups(33));
    }
}
