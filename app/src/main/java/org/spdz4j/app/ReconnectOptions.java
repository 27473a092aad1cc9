package org.spdz4j.app;

import org.spdz4j.core.mpc.Disagreement;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import picocli.CommandLine.Option;

/**
 * {@code --reconnect N}: a training participant whose run broke once everyone was in (a link
 * dropped, a peer stopped) connects again, up to N times, and the parties go on from the last
 * checkpoint both hold, as {@code --resume} would; 0 ends the run naming the link, as before.
 */
final class ReconnectOptions {
    @Option(names = "--reconnect", defaultValue = "0", description = "times to connect again after a link drops mid-run "
            + "and go on from the last checkpoint both parties hold (needs --checkpoint-dir at the parties; give the "
            + "dealer and both parties the same); 0: end the run naming the link")
    int times;

    /**
     * Whether a run that failed with {@code e} is worth another attempt: it broke after everyone
     * was in ({@code connected}), not because the peers disagree (that does not mend itself).
     */
    static boolean brokeAfterConnecting(ProtocolException e, boolean connected) {
        return connected && !(e instanceof Disagreement);
    }

    /**
     * Whether {@code role} connects again after its run failed with {@code e}, as attempt
     * {@code attempt} (from 1); says so on the error stream when it does.
     */
    boolean again(Role role, ProtocolException e, boolean connected, int attempt) {
        if (!brokeAfterConnecting(e, connected) || attempt > times) {
            return false;
        }
        System.err.printf("%s: %s; connecting again to go on from the last checkpoint both parties hold (%d of %d)%n",
                role, e.getMessage(), attempt, times);
        return true;
    }
}
