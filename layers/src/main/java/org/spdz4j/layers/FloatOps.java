package org.spdz4j.layers;

import org.ejml.data.DMatrixRMaj;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.Shape;

/** Plain double kernels of the float twins, index-for-index the same layouts as the ring kernels. */
final class FloatOps {
    private FloatOps() {
    }

    static DMatrixRMaj im2col(FloatTensor x, Conv2dGeometry g) {
        DMatrixRMaj out = new DMatrixRMaj(g.columnRows(), g.columnCols());
        double[] in = x.values();
        double[] o = out.data;
        int k = g.kernel();
        int i = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    for (int b = 0; b < g.batch(); b++) {
                        for (int oy = 0; oy < g.outHeight(); oy++) {
                            int y = oy * g.stride() - g.padding() + ky;
                            for (int ox = 0; ox < g.outWidth(); ox++, i++) {
                                int xx = ox * g.stride() - g.padding() + kx;
                                o[i] = y < 0 || y >= g.height() || xx < 0 || xx >= g.width() ? 0
                                        : in[((b * g.channels() + c) * g.height() + y) * g.width() + xx];
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    static FloatTensor col2im(DMatrixRMaj cols, Conv2dGeometry g) {
        double[] out = new double[g.inputShape().size()];
        int k = g.kernel();
        int i = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    for (int b = 0; b < g.batch(); b++) {
                        for (int oy = 0; oy < g.outHeight(); oy++) {
                            int y = oy * g.stride() - g.padding() + ky;
                            for (int ox = 0; ox < g.outWidth(); ox++, i++) {
                                int xx = ox * g.stride() - g.padding() + kx;
                                if (y >= 0 && y < g.height() && xx >= 0 && xx < g.width()) {
                                    out[((b * g.channels() + c) * g.height() + y) * g.width() + xx] += cols.data[i];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new FloatTensor(g.inputShape(), out);
    }

    static FloatTensor swapLeadingAxes(FloatTensor t) {
        Shape s = t.shape();
        int a = s.dim(0), b = s.dim(1), plane = s.dim(2) * s.dim(3);
        double[] out = new double[s.size()];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(t.values(), (i * b + j) * plane, out, (j * a + i) * plane, plane);
            }
        }
        return new FloatTensor(Shape.of(b, a, s.dim(2), s.dim(3)), out);
    }

    /** {@code f} applied to every element. */
    static FloatTensor map(FloatTensor t, java.util.function.DoubleUnaryOperator f) {
        double[] v = t.values();
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = f.applyAsDouble(v[i]);
        }
        return new FloatTensor(t.shape(), out);
    }

    static FloatTensor avgPool(FloatTensor t, int k) {
        Shape s = t.shape();
        int planes = s.dim(0) * s.dim(1), h = s.dim(2), w = s.dim(3), oh = h / k, ow = w / k;
        double[] out = new double[planes * oh * ow];
        double scale = 1.0 / (k * k);
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(p * oh + y / k) * ow + x / k] += t.values()[(p * h + y) * w + x] * scale;
                }
            }
        }
        return new FloatTensor(Shape.of(s.dim(0), s.dim(1), oh, ow), out);
    }

    static FloatTensor avgPoolBackward(FloatTensor d, int k) {
        Shape s = d.shape();
        int planes = s.dim(0) * s.dim(1), oh = s.dim(2), ow = s.dim(3), h = oh * k, w = ow * k;
        double[] out = new double[planes * h * w];
        double scale = 1.0 / (k * k);
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(p * h + y) * w + x] = d.values()[(p * oh + y / k) * ow + x / k] * scale;
                }
            }
        }
        return new FloatTensor(Shape.of(s.dim(0), s.dim(1), h, w), out);
    }
}
