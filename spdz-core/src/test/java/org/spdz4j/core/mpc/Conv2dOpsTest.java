package org.spdz4j.core.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spdz4j.core.testing.RingTestSupport.big;
import static org.spdz4j.core.testing.RingTestSupport.fromBigs;
import static org.spdz4j.core.testing.RingTestSupport.randomWithEdges;

import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;

/** The convolution ops against a direct BigInteger convolution, with every stride, padding and pooling. */
class Conv2dOpsTest {
    private final AesCtrPrg prg = RingTestSupport.prg(3);

    @ParameterizedTest(name = "n={0} c={1} h={2} w={3} cout={4} k={5} s={6} p={7} pool={8}")
    @CsvSource({
            "2, 3, 6, 6, 4, 3, 1, 1, 1",
            "2, 3, 6, 6, 4, 3, 1, 1, 2",
            "3, 2, 7, 5, 3, 3, 2, 1, 1",
            "1, 2, 9, 9, 2, 3, 2, 0, 2",
            "2, 1, 5, 7, 3, 2, 1, 0, 1",
            "1, 1, 8, 8, 2, 3, 1, 1, 4",
    })
    void opsMatchDirectConvolution(int n, int c, int h, int w, int cout, int k, int s, int p, int pool) {
        Conv2dGeometry g = new Conv2dGeometry(n, c, h, w, k, s, p);
        Ring128Tensor x = randomWithEdges(prg, g.inputShape(), 0);
        Ring128Tensor wt = randomWithEdges(prg, Shape.of(cout, c, k, k), 1);
        Shape pooledOut = Shape.of(n, cout, g.outHeight() / pool, g.outWidth() / pool);
        Ring128Tensor dy = randomWithEdges(prg, pooledOut, 2);

        BigInteger[] y = new BigInteger[g.outputShape(cout).size()];
        BigInteger[] dw = new BigInteger[wt.size()];
        BigInteger[] dx = new BigInteger[x.size()];
        Arrays.fill(y, BigInteger.ZERO);
        Arrays.fill(dw, BigInteger.ZERO);
        Arrays.fill(dx, BigInteger.ZERO);
        int oh = g.outHeight(), ow = g.outWidth();
        for (int b = 0; b < n; b++) {
            for (int co = 0; co < cout; co++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int yi = ((b * cout + co) * oh + oy) * ow + ox;
                        // pooling backward repeats the pooled error over its window
                        BigInteger err = oy / pool < pooledOut.dim(2) && ox / pool < pooledOut.dim(3)
                                ? big(dy, ((b * cout + co) * pooledOut.dim(2) + oy / pool) * pooledOut.dim(3) + ox / pool)
                                : BigInteger.ZERO;
                        for (int ci = 0; ci < c; ci++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * s - p + ky, ix = ox * s - p + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    int xi = ((b * c + ci) * h + iy) * w + ix;
                                    int wi = ((co * c + ci) * k + ky) * k + kx;
                                    y[yi] = y[yi].add(big(wt, wi).multiply(big(x, xi)));
                                    dw[wi] = dw[wi].add(err.multiply(big(x, xi)));
                                    dx[xi] = dx[xi].add(err.multiply(big(wt, wi)));
                                }
                            }
                        }
                    }
                }
            }
        }
        Ring128Tensor expectedY = fromBigs(g.outputShape(cout), y);
        if (pool > 1) {
            expectedY = expectedY.sumPool(pool);
        }
        BilinearOp fwd = Conv2dOps.forward(k, s, p, pool);
        BilinearOp wgrad = Conv2dOps.weightGradient(k, s, p, pool);
        BilinearOp igrad = Conv2dOps.inputGradient(g.inputShape(), k, s, p, pool);
        assertEquals(expectedY.shape(), fwd.outputShape(wt.shape(), x.shape()));
        assertEquals(expectedY, fwd.apply(wt, x));
        assertEquals(wt.shape(), wgrad.outputShape(x.shape(), dy.shape()));
        assertEquals(fromBigs(wt.shape(), dw), wgrad.apply(x, dy));
        assertEquals(x.shape(), igrad.outputShape(wt.shape(), dy.shape()));
        assertEquals(fromBigs(x.shape(), dx), igrad.apply(wt, dy));
    }

    @Test
    void mismatchedShapesFailWhenDeclared() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conv2dOps.forward(3, 1, 1, 2).outputShape(Shape.of(8, 2, 3, 3), Shape.of(4, 1, 28, 28)));
        assertTrue(e.getMessage().contains("conv2d_forward") && e.getMessage().contains("[8, 2, 3, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Conv2dOps.forward(3, 1, 1, 2).outputShape(Shape.of(8, 1, 3, 3), Shape.of(4, 1, 27, 27)));
        assertThrows(IllegalArgumentException.class,
                () -> Conv2dOps.weightGradient(3, 1, 1, 2).outputShape(Shape.of(4, 1, 28, 28), Shape.of(4, 8, 28, 28)));
        assertThrows(IllegalArgumentException.class, () -> BilinearOps.elementwise().outputShape(Shape.of(2), Shape.of(3)));
    }
}
