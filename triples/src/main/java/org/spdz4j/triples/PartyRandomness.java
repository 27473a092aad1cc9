package org.spdz4j.triples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.spdz4j.core.mpc.CorrelatedRandomness;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * A compute party's source of correlated randomness: its seed from the dealer, and the stream
 * of its corrections. Its mask shares are PRG output; of the products, powers and comparisons,
 * those the plan has corrected at this party ({@link Plan#correctedParty}, about half) arrive
 * from the dealer in plan order, and its shares of the others are PRG output.
 *
 * <pre>{@code
 * PartyRandomness source = PartyRandomness.connect(Role.P1, transport, plan, 0, steps);
 * party.beginStep(step, source.forStep(step));
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@link org.spdz4j.core.transport.ProtocolException} when the dealer refuses the request (its
 * reason, and for another plan the first entry that differs), announces another plan or range,
 * or its corrections do not come in time or in order; {@link IllegalArgumentException} for a
 * step outside the announced range.
 */
public final class PartyRandomness {
    private final Role role;
    private final Transport transport;
    private final Plan plan;
    private final AesCtrPrg prg;
    private final DealerSetup setup;
    private final List<PlanEntry> corrected = new ArrayList<>();
    private final Map<Integer, Ring128Tensor> buffered = new HashMap<>();
    private int bufferedStep = -1;
    private int nextStep;
    private int nextIndex;

    private PartyRandomness(Role role, Transport transport, Plan plan, DealerSetup setup) {
        this.role = role;
        this.transport = transport;
        this.plan = plan;
        this.setup = setup;
        this.prg = new AesCtrPrg(setup.seed());
        for (PlanEntry e : plan.entries()) {
            if (correctedHere(e)) {
                corrected.add(e);
            }
        }
    }

    /**
     * Asks the dealer for steps {@code firstStep .. endStep - 1} of {@code plan}, receives this
     * party's seed and checks the dealer's plan and range; a dealer that refuses the request says
     * why, and so does the exception.
     */
    public static PartyRandomness connect(Role role, Transport transport, Plan plan, int firstStep, int endStep) {
        if (!role.equals(transport.self())) {
            throw new IllegalArgumentException(role + "'s randomness over " + transport.self() + "'s transport");
        }
        return request(transport, plan, firstStep, endStep).answer();
    }

    /**
     * The first half of {@link #connect}: sends the dealer the request and returns at once, so
     * the dealer's answer travels while this party does something else (as the handshake agrees
     * with the other party); {@link Request#answer()} takes it.
     */
    public static Request request(Transport transport, Plan plan, int firstStep, int endStep) {
        RangeRequest r = new RangeRequest(plan.hash(), firstStep, endStep);
        transport.sendBytes(Role.DEALER, RangeRequest.TAG, r.encode());
        return new Request(transport, plan, r);
    }

    /** A request for the dealer's steps, sent; its answer not yet taken. */
    public static final class Request {
        private final Transport transport;
        private final Plan plan;
        private final RangeRequest sent;

        private Request(Transport transport, Plan plan, RangeRequest sent) {
            this.transport = transport;
            this.plan = plan;
            this.sent = sent;
        }

        /** The dealer's answer: this party's source of its randomness, refused as {@link #connect} says. */
        public PartyRandomness answer() {
            Role role = transport.self();
            DealerSetup setup = DealerSetup.decode(transport.receiveBytes(Role.DEALER, DealerSetup.TAG), plan, role.toString());
            setup.requirePlan(plan.hash(), role.toString());
            if (setup.firstStep() != sent.firstStep() || setup.firstStep() + setup.steps() != sent.endStep()) {
                throw new ProtocolException("step range mismatch: " + role + " runs steps " + sent.range()
                        + " but the dealer produces steps " + setup.range());
            }
            PartyRandomness r = new PartyRandomness(role, transport, plan, setup);
            r.nextStep = sent.firstStep();
            return r;
        }
    }

    /** The steps the dealer produces: its first step. */
    public int firstStep() {
        return setup.firstStep();
    }

    /** How many steps the dealer produces. */
    public int steps() {
        return setup.steps();
    }

    /**
     * Shares for step {@code step}; steps must be taken in increasing order, within the dealer's
     * range (a step outside it is refused here, not waited for).
     */
    public CorrelatedRandomness forStep(int step) {
        setup.requireStep(step, role.toString());
        return entry -> share(step, plan.require(entry));
    }

    private Ring128Tensor share(int step, PlanEntry e) {
        if (e instanceof Mask m) {
            return m.derived() ? m.derivation().apply(m.shape(), p -> share(step, p))
                    : m.shareFrom(prg.tensor(m.shape(), m.id(), step));
        }
        Ring128Tensor determined = correctedHere(e) ? correction(step, e.id())
                : e.generatedShare(prg.tensor(e.correctionShape(), e.id(), step));
        if (e instanceof PlanEntry.Sign g) { // the part both parties expand from their own seeds follows
            Ring128Tensor random = prg.tensor(g.randomShape(), ~g.id(), step);
            if (determined.isOnHost()) { // the dealer's correction: its bit rows serve the carry tree on the host, so
                // the material stays there and the random rows come to it (read there anyway), not the other way
                random = random.hostOnly();
            }
            return Ring128Tensor.concat(List.of(determined, random));
        }
        return determined;
    }

    /**
     * Whether this party's share of {@code e}, an entry of the plan (required already), is the
     * dealer's correction (else its PRG's output).
     */
    private boolean correctedHere(PlanEntry e) {
        return role.equals(plan.correctedAt(e.id()));
    }

    /**
     * The dealer's corrections to this party arrive in plan order. Ones of the requested step that come
     * before the requested entry are kept for later; unused ones of earlier steps are dropped.
     */
    private synchronized Ring128Tensor correction(int step, int entry) {
        if (step == bufferedStep && buffered.containsKey(entry)) {
            return buffered.remove(entry);
        }
        if (step < nextStep || (step == nextStep && indexOf(entry) < nextIndex)) {
            throw new ProtocolException(role + " asked for step " + step + " entry " + entry
                    + " twice, or after the dealer's stream had moved past it (it is at step " + nextStep + ")");
        }
        while (true) {
            PlanEntry next = corrected.get(nextIndex);
            int received = nextStep;
            Ring128Tensor t = transport.receive(Role.DEALER, new Tag(Tag.Kind.CORRECTION, received, next.id()));
            if (++nextIndex == corrected.size()) {
                nextIndex = 0;
                nextStep++;
            }
            if (!t.shape().equals(next.correctionShape())) {
                throw new ProtocolException("dealer sent entry " + next.id() + " with shape " + t.shape()
                        + " but the plan says " + next.correctionShape());
            }
            if (received == step && next.id() == entry) {
                return t;
            }
            if (received == step) {
                if (bufferedStep != step) {
                    buffered.clear();
                    bufferedStep = step;
                }
                buffered.put(next.id(), t);
            }
        }
    }

    private int indexOf(int entry) {
        for (int i = 0; i < corrected.size(); i++) {
            if (corrected.get(i).id() == entry) {
                return i;
            }
        }
        throw new IllegalArgumentException("plan entry " + entry + " is not one the dealer corrects at " + role);
    }
}
