package org.spdz4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.spdz4j.accel.Backends;
import org.spdz4j.accel.CpuRingBackend;
import org.spdz4j.accel.DeviceRingBackend;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.Shape;

/**
 * 128-bit ring matmul at the seed network's conv2 shape, weights 32x288 times the 288 x N
 * im2col matrix: {@code matmul} on N = 3136 (16 of the 128 images), {@code matmulWholeBatch}
 * on N = 25088 (all 128). One operation is one multiply-accumulate, so ops/s is MAC/s. Device
 * backends keep the operands resident (uploaded in the first call) and each product is waited for.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar Ring128MatmulBenchmark -p backend=java,cpu,cuda
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx8g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class Ring128MatmulBenchmark {
    static final int M = 32;
    static final int K = 288;
    static final int SLICE = 3136;
    static final int BATCH = 25088;

    @State(Scope.Benchmark)
    public static class Kernels {
        @Param({"1", "2"})
        public int threads;

        @Param({"java", "cpu"})
        public String backend;

        RingBackend ring;

        @Setup
        public void setup() {
            ring = Backends.select(backend, threads);
        }

        Object matmul(Operands o) {
            Ring128Tensor c = ring.matmul(o.a, false, o.b, false, o.out);
            if (ring instanceof DeviceRingBackend device) {
                device.sync();
            }
            return c;
        }
    }

    abstract static class Operands {
        Ring128Tensor a;
        Ring128Tensor b;
        Shape out;

        void make(int columns) {
            AesCtrPrg prg = new AesCtrPrg(new byte[16]);
            a = prg.tensor(Shape.of(M, K), 0, 0);
            b = prg.tensor(Shape.of(K, columns), 1, 0);
            out = Shape.of(M, columns);
        }
    }

    @State(Scope.Benchmark)
    public static class Slice extends Operands {
        @Setup
        public void setup() {
            make(SLICE);
        }
    }

    @State(Scope.Benchmark)
    public static class Batch extends Operands {
        @Setup
        public void setup() {
            make(BATCH);
        }
    }

    /** gcc's plain unsigned __int128 triple loop on one core: the reference (independent of the params). */
    @Benchmark
    @OperationsPerInvocation(M * K * SLICE)
    public long referenceTripleLoop(Slice o) {
        long[] hi = new long[M * SLICE];
        long[] lo = new long[M * SLICE];
        CpuRingBackend.referenceMatmul(o.a.hiWords(), o.a.loWords(), o.b.hiWords(), o.b.loWords(), M, K, SLICE, hi, lo);
        return lo[0];
    }

    @Benchmark
    @OperationsPerInvocation(M * K * SLICE)
    public Object matmul(Kernels k, Slice o) {
        return k.matmul(o);
    }

    @Benchmark
    @OperationsPerInvocation(M * K * BATCH)
    public Object matmulWholeBatch(Kernels k, Batch o) {
        return k.matmul(o);
    }
}
