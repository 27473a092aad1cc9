package org.spdz4j.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Conv2dOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.Polynomial;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.Plan;

/**
 * Secure operations between P0 and P1, with the dealer running ahead on its own thread, over
 * the in-memory transport or Netty with mutual TLS on loopback. One benchmark operation is one
 * step of the op at P0 (P1 runs the same step on its own thread). All three share this
 * machine's cores, as in the three-process demo; with {@code dealer=offline} the dealer's work
 * is done between operations, outside the timed region. Auxiliary counters give P0's bytes sent and
 * rounds per operation.
 * <ul>
 *   <li>{@code mul}: one multiplication (both operands opened in one round);</li>
 *   <li>{@code chain100}: 100 dependent multiplications {@code z <- z * c} (one round each);</li>
 *   <li>{@code mul1M}: 10^6 independent multiplications;</li>
 *   <li>{@code matmul}: fixed-point 128x288 times 288x32;</li>
 *   <li>{@code conv2}: the seed's second convolution, (128, 32, 14, 14) with 32 kernels 3x3x32, padding 1;</li>
 *   <li>{@code relu1M}: the quadratic ReLU approximation of 10^6 elements (one opening, dealer's A^2);</li>
 *   <li>{@code exactRelu1M}: exact ReLU of 10^6 elements by secure comparison at k = 40 bits.</li>
 * </ul>
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar SecureOpsBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx8g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
public class SecureOpsBenchmark {
    /** Steps the dealer announces: more than any trial takes. */
    private static final int STEPS = 1 << 30;
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    private static final Polynomial RELU = new Polynomial(0.1875, 0.5, 0.234375);
    private static final int COMPARISON_BITS = 40;

    @Param({"mul", "chain100", "mul1M", "matmul", "conv2", "relu1M", "exactRelu1M"})
    public String op;

    /** {@code memory}: in-memory queues; {@code tcp}: Netty on loopback; {@code tls}: Netty with mutual TLS. */
    @Param({"memory", "tls"})
    public String transport;

    /**
     * {@code ahead}: the dealer runs ahead on its own thread during the measurement, as in
     * training; {@code offline}: it produces each step's material before the step, outside the
     * timed region (the online phase alone, as with prefilled triples).
     */
    @Param({"ahead", "offline"})
    public String dealer;

    private Dealer producer;

    private Op p0;
    private Transport[] transports;
    private Thread mirror;
    private long setupBytes;

    /**
     * P0's traffic, as JMH auxiliary counters summed over the measured operations: per operation
     * it is {@code bytesSent / ops} and {@code rounds / ops} (the trial's tear-down prints both).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Traffic {
        /** Bytes P0 sent to P1. */
        public long bytesSent;
        /** Exchange rounds. */
        public long rounds;
        /** Operations counted. */
        public long ops;
    }

    /** One party's side of the op and its next step. */
    private final class Op {
        final ComputeParty party;
        final Handshake.Party joined;
        int step;

        Op(Handshake.Party joined) {
            this.joined = joined;
            this.party = joined.party();
        }

        /** Runs the next step and returns a share of the result. */
        Ring128Tensor step() {
            party.beginStep(step, joined.randomness().forStep(step));
            step++;
            return run(party);
        }
    }

    /** The plan of one step of the op; the same at P0, P1 and the dealer. */
    private Plan plan() {
        Plan.Builder b = Plan.builder("bench " + op);
        switch (op) {
            case "mul" -> chainPlan(b, 1, 1);
            case "chain100" -> chainPlan(b, 1, 100);
            case "mul1M" -> chainPlan(b, 1_000_000, 1);
            case "matmul" -> {
                PlanEntry.Mask x = b.mask(Shape.of(128, 288));
                PlanEntry.Mask w = b.mask(Shape.of(288, 32));
                b.product(BilinearOps.matmul(false, false), x, w, FP.fractionalBits());
            }
            case "conv2" -> {
                PlanEntry.Mask x = b.mask(Shape.of(128, 32, 14, 14));
                PlanEntry.Mask w = b.mask(Shape.of(32, 32, 3, 3));
                b.product(Conv2dOps.forward(3, 1, 1, 1), w, x, FP.fractionalBits());
            }
            case "relu1M" -> b.power(b.mask(Shape.of(1_000_000)), 2);
            case "exactRelu1M" -> b.sign(b.mask(Shape.of(1_000_000)), COMPARISON_BITS);
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
        return b.build();
    }

    /** Mask c once, then per link: mask z_i, z_(i+1) = z_i * c. */
    private static void chainPlan(Plan.Builder b, int n, int links) {
        PlanEntry.Mask c = b.mask(Shape.of(n));
        for (int i = 0; i < links; i++) {
            b.product(BilinearOps.elementwise(), b.mask(Shape.of(n)), c, FP.fractionalBits());
        }
    }

    private Plan plan;

    /** One step of the op at {@code party}, on fixed public-sized inputs (P0 holds them, P1 zeros). */
    private Ring128Tensor run(ComputeParty party) {
        List<PlanEntry> e = plan.entries();
        switch (op) {
            case "mul", "chain100", "mul1M" -> {
                PlanEntry.Mask c = (PlanEntry.Mask) e.get(0);
                Ring128Tensor z = input(party, c.shape(), 0.999);
                MaskedTensor cm = null;
                for (int i = 1; i < e.size(); i += 2) {
                    PlanEntry.Mask mz = (PlanEntry.Mask) e.get(i);
                    PlanEntry.Product p = (PlanEntry.Product) e.get(i + 1);
                    MaskedTensor zm;
                    if (cm == null) {
                        List<MaskedTensor> both = party.maskAll(List.of(z, input(party, c.shape(), 1.001)), List.of(mz, c));
                        zm = both.get(0);
                        cm = both.get(1);
                    } else {
                        zm = party.mask(z, mz);
                    }
                    z = party.multiply(p, zm, cm);
                }
                return z;
            }
            case "matmul", "conv2" -> {
                PlanEntry.Mask x = (PlanEntry.Mask) e.get(0);
                PlanEntry.Mask w = (PlanEntry.Mask) e.get(1);
                List<MaskedTensor> m = party.maskAll(List.of(input(party, x.shape(), 0.5), input(party, w.shape(), 0.01)),
                        List.of(x, w));
                return op.equals("matmul") ? party.multiply((PlanEntry.Product) e.get(2), m.get(0), m.get(1))
                        : party.multiply((PlanEntry.Product) e.get(2), m.get(1), m.get(0));
            }
            case "relu1M" -> {
                PlanEntry.Mask x = (PlanEntry.Mask) e.get(0);
                MaskedTensor xm = party.mask(input(party, x.shape(), 0.7), x);
                return RELU.evaluate(party, party.powers(xm, FP.fractionalBits(), (PlanEntry.Power) e.get(1)));
            }
            case "exactRelu1M" -> {
                PlanEntry.Mask x = (PlanEntry.Mask) e.get(0);
                MaskedTensor xm = party.mask(input(party, x.shape(), -0.7), x);
                return party.compare((PlanEntry.Sign) e.get(1), xm).relu();
            }
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private final Map<Shape, Ring128Tensor> inputs = new java.util.concurrent.ConcurrentHashMap<>();

    private Ring128Tensor input(ComputeParty party, Shape shape, double value) {
        Ring128Tensor v = inputs.computeIfAbsent(shape, s -> Ring128Tensor.filled(s, FP.encode(value)));
        return ComputeParty.shareOfPublic(party.role(), v);
    }

    @Setup(Level.Trial)
    public void connect() throws Exception {
        plan = plan();
        transports = transport.equals("memory") ? memory() : Loopback.connect(transport.equals("tls"), Duration.ofSeconds(120));
        producer = new Dealer(plan, transports[2], AesCtrPrg.freshSeed());
        CompletableFuture<Handshake.Party> j1 = CompletableFuture.supplyAsync(() -> Handshake.computeParty(
                transports[1], plan, FP, 0, STEPS, AesCtrPrg.freshSeed(), Map.of()));
        CompletableFuture<Handshake.Party> j0 = CompletableFuture.supplyAsync(() -> Handshake.computeParty(
                transports[0], plan, FP, 0, STEPS, AesCtrPrg.freshSeed(), Map.of()));
        producer.setup(0, STEPS);
        if (dealer.equals("ahead")) {
            producer.runAhead();
        }
        p0 = new Op(j0.join());
        Op p1 = new Op(j1.join());
        TrafficCounter t = p0.party.transport().traffic();
        setupBytes = t.total(Role.P1, TrafficCounter.Direction.SENT).bytes();
        mirror = new Thread(() -> {
            try {
                while (true) {
                    p1.step();
                }
            } catch (RuntimeException | Error e) {
                transports[1].close(); // the trial is over, or P1 failed: then P0 fails at once too
            }
        }, "p1-mirror");
        mirror.setDaemon(true);
        mirror.start();
    }

    private static Transport[] memory() {
        InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(120), 512L << 20);
        return new Transport[]{net.transport(Role.P0), net.transport(Role.P1), net.transport(Role.DEALER)};
    }

    /** With {@code dealer=offline}: the next step's correlated randomness, untimed. */
    @Setup(Level.Invocation)
    public void produceOffline() {
        if (dealer.equals("offline")) {
            producer.produce(p0.step);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Ring128Tensor step(Traffic counters) {
        TrafficCounter t = p0.party.transport().traffic();
        long bytes = t.total(Role.P1, TrafficCounter.Direction.SENT).bytes();
        long rounds = t.rounds();
        Ring128Tensor z = p0.step();
        counters.bytesSent += t.total(Role.P1, TrafficCounter.Direction.SENT).bytes() - bytes;
        counters.rounds += t.rounds() - rounds;
        counters.ops++;
        return z;
    }

    /** Bytes the dealer sent both parties (each its seed, and the corrections the plan names for it). */
    private long dealerBytes() {
        TrafficCounter t = transports[2].traffic();
        return t.total(Role.P0, TrafficCounter.Direction.SENT).bytes() + t.total(Role.P1, TrafficCounter.Direction.SENT).bytes();
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        TrafficCounter traffic = p0.party.transport().traffic();
        System.out.printf("%n%s over %s (dealer %s), P0 per operation: %d bytes sent, %d rounds; dealer to P0 and P1: %d bytes%n",
                op, transport, dealer,
                (traffic.total(Role.P1, TrafficCounter.Direction.SENT).bytes() - setupBytes) / Math.max(1, p0.step),
                traffic.rounds() / Math.max(1, p0.step), dealerBytes() / Math.max(1, p0.step));
        for (Transport t : transports) {
            t.close();
        }
        mirror.join(10_000);
    }
}
