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
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.accel.Backends;
import org.spdz4j.accel.CpuRingBackend;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.Shape;

/**
 * 128-bit ring matmul, Java and C backends, at the seed network's conv2 shape: weights 32x288 times a 288x3136 slice
 * (16 of the 128 images) of the 288x25088 im2col matrix. One operation = one multiply-accumulate,
 * so the score in ops/s is MAC/s.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar Ring128MatmulBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class Ring128MatmulBenchmark {
    static final int M = 32;
    static final int K = 288;
    static final int N = 3136;

    @Param({"1", "2"})
    public int threads;

    @Param({"java", "cpu"})
    public String backend;

    private RingBackend kernels;
    private long[] aHi, aLo, bHi, bLo, outHi, outLo;

    @Setup
    public void setup() {
        AesCtrPrg prg = new AesCtrPrg(new byte[16]);
        Ring128Tensor a = prg.tensor(Shape.of(M, K), 0, 0);
        Ring128Tensor b = prg.tensor(Shape.of(K, N), 1, 0);
        aHi = a.hiWords();
        aLo = a.loWords();
        bHi = b.hiWords();
        bLo = b.loWords();
        outHi = new long[M * N];
        outLo = new long[M * N];
        kernels = Backends.select(backend, threads);
    }

    /** gcc's plain unsigned __int128 triple loop on one core: the reference (independent of the params). */
    @Benchmark
    @OperationsPerInvocation(M * K * N)
    public long referenceTripleLoop() {
        CpuRingBackend.referenceMatmul(aHi, aLo, bHi, bLo, M, K, N, outHi, outLo);
        return outLo[0];
    }

    @Benchmark
    @OperationsPerInvocation(M * K * N)
    public long matmul() {
        kernels.matmul(aHi, aLo, false, bHi, bLo, false, M, K, N, outHi, outLo);
        return outLo[0];
    }
}
