package org.spdz4j.triples;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Operand;
import org.spdz4j.core.mpc.PlanEntry.Power;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.mpc.PlanEntry.SignProduct;
import org.spdz4j.core.mpc.SecureComparison;

/**
 * The trusted dealer, seed-compressed: at setup it hands P0 and P1 a PRG seed each; both
 * parties' mask shares are PRG output, and of each product, power or comparison one party's
 * share is too, so per step only the other's share travels: {@code C_1 = op(A, B) - C_0} (or
 * {@code C_0 = op(A, B) - C_1}), one tensor per entry, to the party the plan names
 * ({@link Plan#correctedParty}: about half of the values to each, so both links carry them
 * at once). The dealer never receives a share or an opened value.
 *
 * <p>{@link #runAhead} produces steps on its own thread; the transport's flow control bounds
 * how far ahead it gets.
 *
 * <pre>{@code
 * Dealer dealer = new Dealer(plan, transport, AesCtrPrg.freshSeed());
 * dealer.setup(0, steps);                 // the parties' requests checked; seeds, plan hash, range
 * Dealer.Run run = dealer.runAhead();
 * ... parties train ...
 * run.join();
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@link org.spdz4j.core.transport.ProtocolException} when a party asks for another plan (the
 * party names the first entry that differs), another step range, or a step outside the range,
 * and when a party's request does not come within the transport's timeout;
 * {@link IllegalArgumentException} for a negative range; {@link IllegalStateException} when a
 * step is produced before {@code setup}.
 */
public final class Dealer {
    /** Traffic scope of the seeds. */
    public static final String SETUP_SCOPE = "dealer/setup";
    /** Traffic scope of the per-step corrections. */
    public static final String CORRECTION_SCOPE = "dealer/corrections";

    private final Plan plan;
    private final Transport transport;
    private final AesCtrPrg prg0;
    private final AesCtrPrg prg1;
    private final byte[] seed0;
    private final byte[] seed1;
    private final AtomicLong busyNanos = new AtomicLong();
    private int firstStep;
    private int steps = -1;

    /**
     * @param masterSeed 16 bytes from which both parties' seeds are derived; pass
     *                   {@link AesCtrPrg#freshSeed()} unless a run must be reproducible
     */
    public Dealer(Plan plan, Transport transport, byte[] masterSeed) {
        if (!transport.self().equals(Role.DEALER)) {
            throw new IllegalArgumentException("the dealer needs the dealer's transport, not " + transport.self() + "'s");
        }
        this.plan = plan;
        this.transport = transport;
        AesCtrPrg master = new AesCtrPrg(masterSeed);
        this.seed0 = master.bytes(AesCtrPrg.SEED_BYTES, 0, 0);
        this.seed1 = master.bytes(AesCtrPrg.SEED_BYTES, 1, 0);
        this.prg0 = new AesCtrPrg(seed0);
        this.prg1 = new AesCtrPrg(seed1);
    }

    /**
     * Serves steps {@code firstStep .. firstStep + steps - 1}: waits for both parties'
     * {@linkplain RangeRequest requests}, refuses (telling both parties why) unless each asks for
     * exactly that range with this plan, then sends each its seed, the plan hash and the range:
     * a constant 56 bytes each. A party asking later for a step outside the range is refused at
     * once instead of waiting for it.
     */
    public void setup(int firstStep, int steps) {
        if (firstStep < 0 || steps < 0) {
            throw new IllegalArgumentException("dealer range needs firstStep >= 0 and steps >= 0, got " + firstStep + ", " + steps);
        }
        agree(firstStep, firstStep + steps);
    }

    /**
     * Serves the parties' steps up to {@code endStep - 1}, starting where they both ask to (a
     * resumed run starts at the parties' common checkpoint): as {@link #setup(int, int)}
     * otherwise.
     *
     * @return the first step, as the parties asked
     */
    public int setup(int endStep) {
        if (endStep < 0) {
            throw new IllegalArgumentException("dealer end step must be >= 0, got " + endStep);
        }
        return agree(-1, endStep);
    }

    /** @param first the first step, or -1 for the parties' */
    private int agree(int first, int end) {
        try (TrafficCounter.Scope s = transport.traffic().scope(SETUP_SCOPE)) {
            RangeRequest p0 = request(Role.P0, first, end, null);
            RangeRequest p1 = request(Role.P1, first, end, p0);
            this.firstStep = p0.firstStep();
            this.steps = p0.endStep() - p0.firstStep();
            transport.sendBytes(Role.P0, DealerSetup.TAG, new DealerSetup(seed0, plan.hash(), firstStep, steps).encode());
            transport.sendBytes(Role.P1, DealerSetup.TAG, new DealerSetup(seed1, plan.hash(), p1.firstStep(), steps).encode());
            return firstStep;
        }
    }

    private RangeRequest request(Role party, int first, int end, RangeRequest other) {
        RangeRequest r = RangeRequest.decode(transport.receiveBytes(party, RangeRequest.TAG), party.toString());
        String refusal = refusal(party, r, first, end, other);
        if (refusal != null) {
            boolean otherPlan = DealerSetup.planMismatch(party.toString(), r.planHash(), plan.hash()) != null;
            for (Role p : new Role[]{Role.P0, Role.P1}) {
                try {
                    transport.sendBytes(p, DealerSetup.TAG, otherPlan ? DealerSetup.planRefusal(refusal, plan)
                            : DealerSetup.refusal(refusal));
                } catch (RuntimeException gone) {
                    // that party is gone already; the other one still hears why
                }
            }
            throw new Mismatch(otherPlan ? refusal + " (" + party + " names the first entry that differs; the "
                    + "dealer's plan has " + plan.entries().size() + " entries)" : refusal);
        }
        return r;
    }

    /** Why {@code party}'s request cannot be served (null if it can): plan, end, then first step. */
    private String refusal(Role party, RangeRequest r, int first, int end, RangeRequest other) {
        String planMismatch = DealerSetup.planMismatch(party.toString(), r.planHash(), plan.hash());
        if (planMismatch != null) {
            return planMismatch;
        }
        if (r.endStep() != end) {
            return "step range mismatch: " + party + " runs steps " + r.range() + " but the dealer's options end at step "
                    + (end - 1) + " (training images, batch size and epochs fix the number of steps)";
        }
        if (first >= 0 && r.firstStep() != first) {
            return "first step mismatch: " + party + " starts at step " + r.firstStep()
                    + " but the dealer was started for step " + first;
        }
        if (other != null && r.firstStep() != other.firstStep()) {
            return "first step mismatch: P0 starts at step " + other.firstStep() + " but " + party + " at step "
                    + r.firstStep();
        }
        return null;
    }

    /** Computes step {@code step}'s correlations and sends each party its corrections, in plan order. */
    public void produce(int step) {
        if (steps < 0) {
            throw new IllegalStateException("call setup(firstStep, steps) before producing steps");
        }
        if (step < firstStep || step - firstStep >= steps) {
            throw new IllegalArgumentException("step " + step + " is outside the range announced to the parties, "
                    + new DealerSetup(seed0, plan.hash(), firstStep, steps).range());
        }
        long start = System.nanoTime();
        Ring128Tensor[] masks = new Ring128Tensor[plan.entries().size()];
        Map<Integer, long[]> betas = new HashMap<>(); // comparisons' random bits, by entry
        try (TrafficCounter.Scope s = transport.traffic().scope(CORRECTION_SCOPE)) {
            for (PlanEntry e : plan.entries()) {
                if (e instanceof Mask m) {
                    masks[m.id()] = m.derived() ? m.derivation().apply(m.shape(), p -> masks[p.id()])
                            : m.shareFrom(prg0.tensor(m.shape(), m.id(), step))
                                    .add(m.shareFrom(prg1.tensor(m.shape(), m.id(), step)));
                    continue;
                }
                Role to = plan.correctedAt(e.id()); // e is the plan's own entry
                AesCtrPrg other = to.equals(Role.P1) ? prg0 : prg1;
                Ring128Tensor otherShare = e.generatedShare(other.tensor(e.correctionShape(), e.id(), step));
                Ring128Tensor correction;
                if (e instanceof Sign g) { // a comparison's correction is not only a ring difference
                    Ring128Tensor random0 = prg0.tensor(g.randomShape(), ~g.id(), step);
                    Ring128Tensor random1 = prg1.tensor(g.randomShape(), ~g.id(), step);
                    betas.put(g.id(), SecureComparison.betaBits(random0, random1, g.shape().size()));
                    correction = SecureComparison.correction(masks[g.mask().id()], g.bits(), g.relu(), otherShare, random0,
                            random1);
                } else if (e instanceof PlanEntry.SignMonomials sm) { // bit rows too
                    correction = SecureComparison.monomialCorrection(betas.get(sm.sign().id()), sm.factors(), otherShare);
                } else {
                    correction = value(e, masks, betas).sub(otherShare);
                }
                long sendStart = System.nanoTime();
                transport.send(to, new Tag(Tag.Kind.CORRECTION, step, e.id()), correction);
                start += System.nanoTime() - sendStart; // time blocked on flow control is not dealer work
            }
        }
        busyNanos.addAndGet(System.nanoTime() - start);
    }

    /** Nanoseconds spent computing correlations (excluding time blocked on sending). */
    public long busyNanos() {
        return busyNanos.get();
    }

    /** Produces every step of the range announced in {@link #setup} on a daemon thread. */
    public Run runAhead() {
        if (steps < 0) {
            throw new IllegalStateException("call setup(firstStep, steps) before runAhead()");
        }
        Run run = new Run();
        int first = firstStep;
        int count = steps;
        Thread t = new Thread(() -> {
            try {
                for (int s = first; s < first + count; s++) {
                    produce(s);
                }
            } catch (RuntimeException | Error e) {
                run.failure.set(e);
            }
        }, "spdz-dealer");
        t.setDaemon(true);
        run.thread = t;
        t.start();
        return run;
    }

    /** A dealer thread; {@link #join} rethrows what stopped it. */
    public static final class Run {
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private Thread thread;

        /** Waits for the thread; rethrows what stopped it, as an {@link IllegalStateException}. */
        public void join() throws InterruptedException {
            thread.join();
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("dealer failed: " + t.getMessage(), t);
            }
        }
    }

    /** The full value of a power, product or sign product, from this step's masks and comparison bits. */
    private static Ring128Tensor value(PlanEntry e, Ring128Tensor[] masks, Map<Integer, long[]> betas) {
        if (e instanceof Power p) {
            return power(masks[p.mask().id()], p.exponent());
        }
        if (e instanceof SignProduct sp) {
            return SecureComparison.timesBits(masks[sp.other().id()], betas.get(sp.sign().id()));
        }
        Product p = (Product) e;
        return p.op().apply(operand(masks, p.left()), operand(masks, p.right()));
    }

    static Ring128Tensor power(Ring128Tensor a, int exponent) {
        Ring128Tensor r = a;
        for (int i = 1; i < exponent; i++) {
            r = r.mul(a);
        }
        return r;
    }

    private static Ring128Tensor operand(Ring128Tensor[] masks, Operand o) {
        return power(masks[o.mask().id()], o.power());
    }
}
