package org.spdz4j.core.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;

/** The comparison's bit-slicing (a 64 x 64 transpose per block) equals reading each bit of each element. */
class BitSlicingTest {

    @ParameterizedTest(name = "n = {0}, rows = {1}")
    @CsvSource({"1, 1", "63, 40", "64, 64", "65, 41", "200, 100", "130, 128"})
    void bitRowsHoldBitBOfElementEAtWordBTimesWPlusEOver64(int n, int rows) {
        Ring128Tensor t = RingTestSupport.randomWithEdges(RingTestSupport.prg(n + rows), Shape.of(n), 0);
        long[] sliced = t.bitRows(rows);
        int w = SecureComparison.words(n);
        assertEquals(rows * w, sliced.length);
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < n; e++) {
                long word = b < 64 ? t.lo(e) : t.hi(e);
                long expected = (word >>> (b & 63)) & 1L;
                assertEquals(expected, (sliced[b * w + (e >>> 6)] >>> (e & 63)) & 1L, "bit " + b + " of element " + e);
            }
            for (int e = n; e < w * 64; e++) {
                assertEquals(0L, (sliced[b * w + (e >>> 6)] >>> (e & 63)) & 1L, "padding bit " + e + " of row " + b);
            }
        }
    }
}
