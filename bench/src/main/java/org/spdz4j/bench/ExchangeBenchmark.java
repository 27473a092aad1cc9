package org.spdz4j.bench;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
import org.spdz4j.net.TlsIdentity;

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
        Map<Role, InetSocketAddress> at = new java.util.LinkedHashMap<>();
        Map<Role, TlsIdentity.Generated> keys = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            try (ServerSocket s = new ServerSocket(0)) {
                at.put(r, new InetSocketAddress("127.0.0.1", s.getLocalPort()));
            }
            keys.put(r, TlsIdentity.generate(r));
        }
        Map<Role, CompletableFuture<NettyTransport>> f = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            Map<Role, String> pins = new java.util.LinkedHashMap<>();
            for (Role o : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
                if (o != r) {
                    pins.put(o, keys.get(o).fingerprint());
                }
            }
            TlsIdentity id = tls ? new TlsIdentity(keys.get(r).key(), keys.get(r).certificate(), pins) : null;
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, id, Duration.ofSeconds(60))));
        }
        p0 = f.get(Role.P0).join();
        p1 = f.get(Role.P1).join();
        dealer = f.get(Role.DEALER).join();
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
