package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class FloatGemmTest {
    private static DMatrixRMaj random(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = r.nextDouble(-1, 1);
        }
        return m;
    }

    private static void assertClose(DMatrixRMaj expected, DMatrixRMaj actual) {
        assertEquals(expected.numRows, actual.numRows);
        assertEquals(expected.numCols, actual.numCols);
        for (int i = 0; i < expected.data.length; i++) {
            assertEquals(expected.data[i], actual.data[i], 1e-12 * (1 + Math.abs(expected.data[i])), "element " + i);
        }
    }

    private static void assumeBlas() {
        assumeTrue(FloatGemm.engine().startsWith("OpenBLAS"), "OpenBLAS is not installed here: the products are EJML's own");
    }

    @Test
    void everyProductEqualsEjmlsOnOddShapes() {
        assumeBlas();
        // the shapes of a convolution's three products and odd ones that no kernel blocks evenly
        int[][] shapes = {{64, 288, 577}, {7, 13, 5}, {1, 1, 1}, {33, 65, 17}};
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            DMatrixRMaj a = random(m, k, 1), b = random(k, n, 2), at = random(k, m, 3), bt = random(n, k, 4);
            DMatrixRMaj expected = new DMatrixRMaj(m, n), actual = new DMatrixRMaj(m, n);
            CommonOps_DDRM.mult(a, b, expected);
            FloatGemm.mult(a, b, actual);
            assertClose(expected, actual);
            CommonOps_DDRM.multTransA(at, b, expected);
            FloatGemm.multTransA(at, b, actual);
            assertClose(expected, actual);
            CommonOps_DDRM.multTransB(a, bt, expected);
            FloatGemm.multTransB(a, bt, actual);
            assertClose(expected, actual);
        }
    }

    @Test
    void mismatchedShapesAreRefused() {
        assumeBlas();
        assertThrows(IllegalArgumentException.class, () -> FloatGemm.mult(random(3, 4, 1), random(5, 2, 2), new DMatrixRMaj(3, 2)));
        assertThrows(IllegalArgumentException.class, () -> FloatGemm.mult(random(3, 4, 1), random(4, 2, 2), new DMatrixRMaj(3, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> FloatGemm.mult(DMatrixRMaj.wrap(3, 4, new double[11]), random(4, 2, 2), new DMatrixRMaj(3, 2)));
    }
}
