package org.spdz4j.layers;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The float twins' matrix products, {@code c = op(a) op(b)} with EJML's names and shapes. Where
 * the machine has OpenBLAS ({@code libopenblas}, Debian's {@code libopenblas0}), its
 * {@code cblas_dgemm} runs them through JNA, one thread per call (parallelism comes from the
 * participants, each a thread or a process); otherwise, or with {@code -Dspdz.blas=off}, EJML's
 * kernels do. Both compute the same products in double precision; their sums may round
 * differently in the last bits, so runs that must agree bit for bit run on one machine.
 */
final class FloatGemm {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    private static final boolean BLAS = loadBlas();

    private FloatGemm() {
    }

    /** {@code c = a b}. */
    static void mult(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (BLAS) {
            gemm(false, false, a, b, c);
        } else {
            CommonOps_DDRM.mult(a, b, c);
        }
    }

    /** {@code c = a^T b}. */
    static void multTransA(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (BLAS) {
            gemm(true, false, a, b, c);
        } else {
            CommonOps_DDRM.multTransA(a, b, c);
        }
    }

    /** {@code c = a b^T}. */
    static void multTransB(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (BLAS) {
            gemm(false, true, a, b, c);
        } else {
            CommonOps_DDRM.multTransB(a, b, c);
        }
    }

    /** Which kernels run the products here, as the commands print it. */
    static String engine() {
        if (!BLAS) {
            return "EJML (Java)";
        }
        String[] config = Blas.openblas_get_config().split(" ");
        return config[0] + " " + (config.length > 1 ? config[1] : "") + " (cblas_dgemm through JNA, 1 thread a call)";
    }

    /** {@code c = op(a) op(b)}, op transposing where {@code ta} or {@code tb}: m x k by k x n into m x n. */
    private static void gemm(boolean ta, boolean tb, DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        int m = ta ? a.numCols : a.numRows, k = ta ? a.numRows : a.numCols, n = tb ? b.numRows : b.numCols;
        if ((tb ? b.numCols : b.numRows) != k || c.numRows != m || c.numCols != n) {
            throw new IllegalArgumentException("matrix product of mismatched shapes: " + a.numRows + "x" + a.numCols
                    + (ta ? "^T" : "") + " by " + b.numRows + "x" + b.numCols + (tb ? "^T" : "") + " into " + c.numRows + "x"
                    + c.numCols);
        }
        for (DMatrixRMaj x : new DMatrixRMaj[]{a, b, c}) { // OpenBLAS would read or write past a short array
            if (x.data.length < x.numRows * x.numCols) {
                throw new IllegalArgumentException("a " + x.numRows + "x" + x.numCols + " matrix over " + x.data.length + " values");
            }
        }
        Blas.cblas_dgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1, a.data, a.numCols, b.data,
                b.numCols, 0, c.data, n);
    }

    private static boolean loadBlas() {
        if ("off".equals(System.getProperty("spdz.blas"))) {
            return false;
        }
        try {
            Blas.openblas_set_num_threads(1);
            return true;
        } catch (LinkageError e) { // no OpenBLAS here (or no JNA native support): EJML's kernels
            return false;
        }
    }

    /** OpenBLAS's C interface, bound directly by JNA. */
    private static final class Blas {
        static {
            Native.register(NativeLibrary.getInstance("openblas"));
        }

        static native void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, double[] a,
                                       int lda, double[] b, int ldb, double beta, double[] c, int ldc);

        static native void openblas_set_num_threads(int threads);

        static native String openblas_get_config();
    }
}
