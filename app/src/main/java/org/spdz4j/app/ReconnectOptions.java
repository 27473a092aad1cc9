package org.spdz4j.app;

import java.util.function.Consumer;
import org.spdz4j.core.mpc.Disagreement;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.NetworkRunner;
import picocli.CommandLine.Option;

/**
 * {@code --reconnect N}: a training participant whose run broke once everyone was in (a link
 * dropped, a peer stopped) connects again, up to N times, and the parties go on from the last
 * checkpoint both hold, as {@code --resume} would; 0 ends the run naming the link, as before.
 * {@link #runOrBreak} is the one place that tells a run that broke from one that never began.
 */
final class ReconnectOptions {
    @Option(names = "--reconnect", defaultValue = "0", description = "times to connect again after a link drops mid-run "
            + "and go on from the last checkpoint both parties hold (needs --checkpoint-dir at the parties; give the "
            + "dealer and both parties the same); 0: end the run naming the link")
    int times;

    /** Makes the connection a body runs over, as {@link ProcessOptions#run} does. */
    @FunctionalInterface
    interface Connection<T> {
        T run(NetworkRunner.Body<T> body) throws Exception;
    }

    /**
     * Runs {@code body} over the connection {@code connect} makes and returns its result; where
     * it breaks once everyone was in (the body had begun) with anything but a disagreement
     * between the peers (which does not mend itself), {@code broke} hears the failure and either
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
            if (!begun[0] || e instanceof Disagreement) {
                throw e;
            }
            broke.accept(e);
            return null;
        }
    }

    /** What a participant does before it connects again (a party reads the checkpoints it now holds). */
    @FunctionalInterface
    interface BeforeAgain {
        void run() throws java.io.IOException;
    }

    /**
     * Runs {@code body} over the connection {@code connect} makes, as {@link #runOrBreak} does,
     * and after each break connects again, up to {@code --reconnect} times, {@code beforeAgain}
     * first; returns the body's result.
     */
    <T> T run(Role role, Connection<T> connect, NetworkRunner.Body<T> body, BeforeAgain beforeAgain) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int a = attempt;
            T done = runOrBreak(connect, body, e -> again(role, e, a));
            if (done != null) {
                return done;
            }
            beforeAgain.run();
        }
    }

    /**
     * {@code role}'s answer to a run that broke with {@code e}, as attempt {@code attempt} (from
     * 1): rethrows it beyond {@code --reconnect}'s count, else says on the error stream that it
     * connects again.
     */
    private void again(Role role, ProtocolException e, int attempt) {
        if (attempt > times) {
            throw e;
        }
        System.err.printf("%s: %s; connecting again to go on from the last checkpoint both parties hold (%d of %d)%n",
                role, e.getMessage(), attempt, times);
    }
}
