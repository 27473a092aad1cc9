package org.spdz4j.training;

import java.nio.ByteBuffer;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --micro-batches auto}: P0 measures the round trip to P1 and the bandwidth toward it, and
 * chooses how many micro-batches each step is split into; P1 takes P0's choice. Both parties run
 * this once, after the handshake (which has checked that both asked for {@code auto}) and before
 * the first step. The split changes no value and no plan entry, so the dealer never learns it.
 *
 * <p>The rule, from the {@code wan-bench} measurements in docs/wan.md: on a link of a round trip
 * below {@link #MIN_ROUND_TRIP_MS} and at least {@link #MIN_BANDWIDTH_MBIT} Mbit/s a step's
 * rounds and transfers cost less than the micro-batches' own overhead, so the batch stays whole;
 * on a slower link (the round trip longer, or the bandwidth lower: then one micro-batch's
 * openings travel while another computes) the batch is split into as many as {@link
 * #MAX_MICRO_BATCHES} micro-batches of at least {@link #MIN_ROWS} rows each.
 */
final class MicroBatchChoice {
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchChoice.class);

    /** Round trips below this (a LAN, loopback) leave the batch whole, unless the bandwidth is low. */
    static final double MIN_ROUND_TRIP_MS = 20;
    /** Bandwidths toward P1 below this, Mbit/s, split the batch at any round trip. */
    static final double MIN_BANDWIDTH_MBIT = 250;
    /** The bandwidth probe: frames of this many bytes that P0 sends P1 after the pings ... */
    static final int PROBE_FRAME_BYTES = 1 << 20;
    /** ... and how many (4 MiB: a third of a second at 100 Mbit/s) ... */
    static final int PROBE_FRAMES = 4;
    /** ... and how many times; the fastest counts (the first runs in JVMs that have only just started). */
    static final int PROBES = 3;
    /** The most micro-batches chosen. */
    static final int MAX_MICRO_BATCHES = 4;
    /** The fewest rows a chosen micro-batch has. */
    static final int MIN_ROWS = 32;
    /** Round trips measured; the least counts (the others add the peer's scheduling, not the link's delay). */
    static final int PINGS = 5;

    private MicroBatchChoice() {
    }

    /**
     * The micro-batches of a batch of {@code batch} rows on a link of a least round trip of
     * {@code ms} milliseconds and {@code mbit} Mbit/s: 1 below {@link #MIN_ROUND_TRIP_MS} at
     * {@link #MIN_BANDWIDTH_MBIT} or more, else {@link #mostMicroBatches}.
     */
    static int forLink(double ms, double mbit, int batch) {
        return ms < MIN_ROUND_TRIP_MS && mbit >= MIN_BANDWIDTH_MBIT ? 1 : mostMicroBatches(batch);
    }

    /** The largest M of 4 and 2 that divides the batch into micro-batches of at least {@link #MIN_ROWS} rows, else 1. */
    static int mostMicroBatches(int batch) {
        for (int m = MAX_MICRO_BATCHES; m > 1; m /= 2) {
            if (batch % m == 0 && batch / m >= MIN_ROWS) {
                return m;
            }
        }
        return 1;
    }

    /**
     * Whether the bandwidth can change {@link #forLink}'s choice after a least round trip of
     * {@code ms}: only where the round trip alone keeps a batch whole that could be split. Else P0
     * sends no probe.
     */
    static boolean probes(double ms, int batch) {
        return ms < MIN_ROUND_TRIP_MS && mostMicroBatches(batch) > 1;
    }

    /**
     * {@code c} with its micro-batches settled: where it leaves them to {@code auto}, both compute
     * parties {@link #agree} on them over {@code t} now; otherwise {@code c} as it is.
     */
    static TrainingConfig settle(Transport t, TrainingConfig c) {
        return c.microBatches() == TrainingConfig.AUTO_MICRO_BATCHES ? c.withMicroBatches(agree(t, c.batchSize())) : c;
    }

    /**
     * Both compute parties: P0 sends {@link #PINGS} pings that P1 echoes at once and takes the
     * least round trip; tells P1 whether it {@link #probes} the bandwidth and if so {@link
     * #bandwidth measures} it; chooses by {@link #forLink} and tells P1. Returns the choice at both.
     */
    static int agree(Transport t, int batch) {
        Role self = t.self();
        if (self.equals(Role.P1)) {
            for (int i = 0; i < PINGS; i++) {
                t.sendBytes(Role.P0, ping(i), t.receiveBytes(Role.P0, ping(i)));
            }
            byte[] probing = t.receiveBytes(Role.P0, probing());
            if (probing.length != 1 || probing[0] != 0 && probing[0] != 1) {
                throw new ProtocolException("P0's word on the bandwidth probe is not one byte of 0 or 1 (" + probing.length
                        + " bytes)");
            }
            if (probing[0] == 1) {
                answerProbes(t);
            }
            byte[] word = t.receiveBytes(Role.P0, choice());
            if (word.length != 4) {
                throw new ProtocolException("P0's choice of micro-batches is " + word.length + " bytes, not 4");
            }
            int m = ByteBuffer.wrap(word).getInt();
            if (m < 1 || batch % m != 0) {
                throw new ProtocolException("P0 chose " + m + " micro-batches, which does not divide the batch of " + batch);
            }
            LOG.info("P1: --micro-batches auto: P0 chose {} micro-batch(es) of {} rows", m, batch / m);
            return m;
        }
        long least = Long.MAX_VALUE;
        for (int i = 0; i < PINGS; i++) {
            long start = System.nanoTime();
            t.sendBytes(Role.P1, ping(i), new byte[]{(byte) i});
            t.receiveBytes(Role.P1, ping(i));
            least = Math.min(least, System.nanoTime() - start);
        }
        double ms = least / 1e6;
        boolean probing = probes(ms, batch);
        t.sendBytes(Role.P1, probing(), new byte[]{(byte) (probing ? 1 : 0)});
        double mbit = probing ? bandwidth(t, least) : Double.POSITIVE_INFINITY; // unmeasured, it cannot change the choice
        int m = forLink(ms, mbit, batch);
        t.sendBytes(Role.P1, choice(), ByteBuffer.allocate(4).putInt(m).array());
        LOG.info("P0: --micro-batches auto: least round trip to P1 {} ms of {}, {}: {} micro-batch(es) of {} rows",
                String.format(java.util.Locale.ROOT, "%.1f", ms), PINGS, probing
                        ? String.format(java.util.Locale.ROOT, "%.0f Mbit/s toward it", mbit) : "bandwidth not measured",
                m, batch / m);
        return m;
    }

    /**
     * P0: the bandwidth toward P1, Mbit/s: {@link #PROBES} times, {@link #PROBE_FRAMES} frames of
     * {@link #PROBE_FRAME_BYTES} bytes that P1 acknowledges once it has them all; the fastest time
     * less the least round trip is their transfer.
     */
    private static double bandwidth(Transport t, long leastRoundTripNanos) {
        byte[] frame = new byte[PROBE_FRAME_BYTES];
        long fastest = Long.MAX_VALUE;
        for (int k = 0; k < PROBES; k++) {
            long start = System.nanoTime();
            for (int i = 0; i < PROBE_FRAMES; i++) {
                t.sendBytes(Role.P1, probe(i), frame);
            }
            t.receiveBytes(Role.P1, probe(PROBE_FRAMES));
            fastest = Math.min(fastest, System.nanoTime() - start);
        }
        long transfer = fastest - leastRoundTripNanos;
        return transfer <= 0 ? Double.POSITIVE_INFINITY
                : 8.0 * PROBE_FRAMES * PROBE_FRAME_BYTES * 1e3 / transfer; // bits per microsecond
    }

    /** P1's side of {@link #bandwidth}: each probe's frames checked, then acknowledged. */
    private static void answerProbes(Transport t) {
        for (int k = 0; k < PROBES; k++) {
            for (int i = 0; i < PROBE_FRAMES; i++) {
                int length = t.receiveBytes(Role.P0, probe(i)).length;
                if (length != PROBE_FRAME_BYTES) {
                    throw new ProtocolException("P0's bandwidth probe " + i + " is " + length + " bytes, not "
                            + PROBE_FRAME_BYTES);
                }
            }
            t.sendBytes(Role.P0, probe(PROBE_FRAMES), new byte[1]);
        }
    }

    private static Tag ping(int i) {
        return new Tag(Tag.Kind.HANDSHAKE, 3, i);
    }

    private static Tag choice() {
        return new Tag(Tag.Kind.HANDSHAKE, 3, PINGS);
    }

    /** Probe frame i, and at {@link #PROBE_FRAMES} P1's acknowledgement. */
    private static Tag probe(int i) {
        return new Tag(Tag.Kind.HANDSHAKE, 3, PINGS + 1 + i);
    }

    /** P0's word on whether a probe follows. */
    private static Tag probing() {
        return new Tag(Tag.Kind.HANDSHAKE, 3, PINGS + 2 + PROBE_FRAMES);
    }
}
