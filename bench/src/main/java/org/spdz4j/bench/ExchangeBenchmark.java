package org.spdz4j.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.net.NettyTransport;

/**
 * One exchange round between P0 and P1 over loopback Netty, plain or mutual TLS: latency of a
 * 1-element exchange (sample mode, read the p0.50 line) and time of a 10^7-element exchange
 * (160 MB each way; GB/s = 0.16 / seconds per operation). P1 answers from its own thread.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar ExchangeBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx6g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
public class ExchangeBenchmark {
    @Param({"false", "true"})
    public boolean tls;

    @Param({"1", "10000000"})
    public int elements;

    private NettyTransport p0;
    private NettyTransport p1;
    private NettyTransport dealer;
    private Ring128Tensor mine;
    private Thread echo;
    private int position;

    @Setup(Level.Trial)
    public void connect() throws Exception {
        NettyTransport[] t = Loopback.connect(tls, Duration.ofSeconds(60));
        p0 = t[0];
        p1 = t[1];
        dealer = t[2];
        mine = Ring128Tensor.filled(Shape.of(elements), 7);
        Ring128Tensor theirs = Ring128Tensor.filled(Shape.of(elements), 9);
        echo = new Thread(() -> {
            try {
                for (int i = 0; ; i++) {
                    p1.exchange(Role.P0, new Tag(Tag.Kind.OPEN, 0, i), theirs);
                }
            } catch (RuntimeException closed) {
                // the trial is over
            }
        }, "p1-echo");
        echo.setDaemon(true);
        echo.start();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Ring128Tensor exchange() {
        return p0.exchange(Role.P1, new Tag(Tag.Kind.OPEN, 0, position++), mine);
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        p0.close();
        p1.close();
        dealer.close();
        echo.join(5000);
    }
}
