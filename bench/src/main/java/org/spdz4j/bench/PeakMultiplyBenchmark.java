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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.spdz4j.accel.CpuRingBackend;

/**
 * The machine's peak 64-bit multiply throughput, the yardstick of the ring product's GMAC/s:
 * independent chains of one multiply instruction on 1 and 2 threads, one operation per 64-bit
 * multiply (a vpmullq counts its 8 lanes), so ops/s is multiplies/s. A ring MAC mod 2^128 takes
 * three 64-bit multiplies (the full low product, two cross terms): the product's share of the
 * peak is {@code 3 x MAC/s / multiplies/s}.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar PeakMultiplyBenchmark -wi 2 -w 1 -i 3 -r 1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class PeakMultiplyBenchmark {
    /** Multiplies per call, split evenly over the threads' rounds. */
    private static final int MULTIPLIES = 1 << 26;

    @Param({"1", "2"})
    public int threads;

    @Param({"MUL", "IMUL", "VPMULLQ"})
    public CpuRingBackend.Multiply kind;

    @Benchmark
    @OperationsPerInvocation(MULTIPLIES)
    public long multiplies() {
        return CpuRingBackend.peakMultiplies(kind, MULTIPLIES / ((long) kind.perRound * threads), threads);
    }
}
