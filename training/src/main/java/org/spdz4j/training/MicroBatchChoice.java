package org.spdz4j.training;

import java.nio.ByteBuffer;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --micro-batches auto}: P0 measures the round trip to P1 and chooses how many
 * micro-batches each step is split into; P1 takes P0's choice. Both parties run this once,
 * after the handshake (which has checked that both asked for {@code auto}) and before the first
 * step. The split changes no value and no plan entry, so the dealer never learns it.
 *
 * <p>The rule, from the {@code wan-bench} measurements in docs/wan.md: below {@link
 * #MIN_ROUND_TRIP_MS} a step's rounds cost less than the micro-batches' own overhead, so the
 * batch stays whole; above it the batch is split into as many as {@link #MAX_MICRO_BATCHES}
 * micro-batches of at least {@link #MIN_ROWS} rows each.
 */
final class MicroBatchChoice {
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchChoice.class);

    /** Round trips below this (a LAN, loopback) leave the batch whole. */
    static final double MIN_ROUND_TRIP_MS = 20;
    /** The most micro-batches chosen. */
    static final int MAX_MICRO_BATCHES = 4;
    /** The fewest rows a chosen micro-batch has. */
    static final int MIN_ROWS = 32;
    /** Round trips measured; the least counts (the others add the peer's scheduling, not the link's delay). */
    static final int PINGS = 5;

    private MicroBatchChoice() {
    }

    /**
     * The micro-batches of a batch of {@code batch} rows for a least round trip of {@code ms}
     * milliseconds: 1 below {@link #MIN_ROUND_TRIP_MS}, else the largest M of 4 and 2 that
     * divides the batch into micro-batches of at least {@link #MIN_ROWS} rows, else 1.
     */
    static int forRoundTrip(double ms, int batch) {
        if (ms < MIN_ROUND_TRIP_MS) {
            return 1;
        }
        for (int m = MAX_MICRO_BATCHES; m > 1; m /= 2) {
            if (batch % m == 0 && batch / m >= MIN_ROWS) {
                return m;
            }
        }
        return 1;
    }

    /**
     * {@code c} with its micro-batches settled: where it leaves them to {@code auto}, both compute
     * parties {@link #agree} on them over {@code t} now; otherwise {@code c} as it is.
     */
    static TrainingConfig settle(Transport t, TrainingConfig c) {
        return c.microBatches() == TrainingConfig.AUTO_MICRO_BATCHES ? c.withMicroBatches(agree(t, c.batchSize())) : c;
    }

    /**
     * Both compute parties: P0 sends {@link #PINGS} pings that P1 echoes at once, takes the least
     * round trip, chooses by {@link #forRoundTrip} and tells P1. Returns the choice at both.
     */
    static int agree(Transport t, int batch) {
        Role self = t.self();
        if (self.equals(Role.P1)) {
            for (int i = 0; i < PINGS; i++) {
                t.sendBytes(Role.P0, ping(i), t.receiveBytes(Role.P0, ping(i)));
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
        int m = forRoundTrip(ms, batch);
        t.sendBytes(Role.P1, choice(), ByteBuffer.allocate(4).putInt(m).array());
        LOG.info("P0: --micro-batches auto: least round trip to P1 {} ms of {}: {} micro-batch(es) of {} rows",
                String.format(java.util.Locale.ROOT, "%.1f", ms), PINGS, m, batch / m);
        return m;
    }

    private static Tag ping(int i) {
        return new Tag(Tag.Kind.HANDSHAKE, 3, i);
    }

    private static Tag choice() {
        return new Tag(Tag.Kind.HANDSHAKE, 3, PINGS);
    }
}
