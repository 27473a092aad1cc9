package org.spdz4j.core.mpc;

import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.Role;

/**
 * A public fact the two compute parties hold differently ({@link ComputeParty#agree}): both fail
 * with it, naming the fact and both values. {@link #what()} and {@link #theirs()} let a caller
 * say more about a fact it knows (the plan: its first entry that differs).
 *
 * <pre>{@code
 * try {
 *     party.agree(facts);
 * } catch (Disagreement d) {
 *     System.err.println(d.getMessage()); // "batch size (--batch) mismatch: P0 has '32' but P1 has '16'"
 * }
 * }</pre>
 */
public final class Disagreement extends Mismatch {
    private static final long serialVersionUID = 1L;
    private final String what;
    private final String theirs;

    Disagreement(String what, Role self, String mine, String theirs) {
        super(what + " mismatch: " + self + " has '" + mine + "' but " + self.peer() + " has '" + theirs + "'");
        this.what = what;
        this.theirs = theirs;
    }

    /** The fact's name. */
    public String what() {
        return what;
    }

    /** The peer's value of it. */
    public String theirs() {
        return theirs;
    }
}
