package org.spdz4j.layers;

import org.junit.jupiter.api.Test;

class ScratchScheduleTest {
    @Test
    void print() {
        for (int c : new int[]{2, 10, 26, 100}) {
            RowNormaliser.Schedule s = RowNormaliser.schedule(c, 8, true);
            double lo = 1 - s.band(), hi = 1 + s.band();
            double[] sums = RowNormaliser.rowSumsAfterScale(s, lo * lo / c, hi * hi);
            System.out.println("SCHED " + s + " rounds=" + s.rounds(8) + " sumsAfterScale=" + sums[0] + ".." + sums[1]);
        }
    }
}
