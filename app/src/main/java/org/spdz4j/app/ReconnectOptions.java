package org.spdz4j.app;

import java.util.function.Consumer;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.NetworkRunner;
import picocli.CommandLine.Option;

/**
 * {@code --reconnect N}: a participant whose run broke once everyone was in (a link dropped, a
 * peer stopped) connects again, up to N times, and the run goes on from its last saved state, as
 * {@code --resume} would: in training the last checkpoint both parties hold, in a federated run
 * the coordinator's last saved round, in a split run the newest epoch every participant saved;
 * 0 ends the run naming the link, as before.
 * {@link #runOrBreak} is the one place that tells a run that broke from one that never began.
 */
final class ReconnectOptions {
    @Option(names = "--reconnect", defaultValue = "0", description = "times to connect again after a link drops mid-run "
            + "and go on from the last saved state (training: the last checkpoint both parties hold, with --checkpoint-dir "
            + "at the parties; federated: the coordinator's last saved round, with --checkpoint-dir at server 0; split: the "
            + "newest epoch every participant saved, with --checkpoint-dir at each that keeps state); give "
            + "every participant the same; 0: end the run naming the link")
    int times;

    /** Makes the connection a body runs over, as {@link ProcessOptions#run} does. */
    @FunctionalInterface
    interface Connection<T> {
        T run(NetworkRunner.Body<T> body) throws Exception;
    }

    /**
     * Runs {@code body} over the connection {@code connect} makes and returns its result; where
     * it breaks once everyone was in (the body had begun) with anything but a {@link Mismatch}
     * between the participants (which does not mend itself), {@code broke} hears the failure and either
     * rethrows it or lets it pass, and then this returns null, for the caller to connect again.
     * Any other failure is rethrown as it is.
     */
    static <T> T runOrBreak(Connection<T> connect, NetworkRunner.Body<T> body, Consumer<ProtocolException> broke)
            throws Exception {
        boolean[] begun = {false};
        try {
            return connect.run(t -> {
                begun[0] = true;
                return body.run(t);
            });
        } catch (ProtocolException e) {
            if (!begun[0] || e instanceof Mismatch) {
                throw e;
            }
            broke.accept(e);
            return null;
        }
    }

    /** Where a training run goes on from after a break. */
    static final String TRAINING = "the last checkpoint both parties hold";
    /** Where a federated run goes on from after a break. */
    static final String FEDERATED = "the coordinator's last saved round";
    /** Where a split run goes on from after a break. */
    static final String SPLIT = "the newest epoch every participant saved";

    /** What a participant does before it connects again (a party reads the checkpoints it now holds). */
    @FunctionalInterface
    interface BeforeAgain {
        void run() throws java.io.IOException;
    }

    /**
     * Runs {@code body} over the connection {@code connect} makes, as {@link #runOrBreak} does,
     * and after each break connects again, up to {@code --reconnect} times, {@code beforeAgain}
     * first, to go on {@code from} where it says; returns the body's result (never null).
     */
    <T> T run(Role role, String from, Connection<T> connect, NetworkRunner.Body<T> body, BeforeAgain beforeAgain)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            int a = attempt;
            T done = runOrBreak(connect, body, e -> again(role, e, a, from));
            if (done != null) {
                return done;
            }
            beforeAgain.run();
        }
    }

    /**
     * {@code role}'s answer to a run that broke with {@code e}, as attempt {@code attempt} (from
     * 1): rethrows it beyond {@code --reconnect}'s count, else says on the error stream that it
     * connects again to go on {@code from} where it says.
     */
    void again(Role role, ProtocolException e, int attempt, String from) {
        if (attempt > times) {
            throw e;
        }
        System.err.printf("%s: %s; connecting again to go on from %s (%d of %d)%n", role, e.getMessage(), from, attempt,
                times);
    }
}
