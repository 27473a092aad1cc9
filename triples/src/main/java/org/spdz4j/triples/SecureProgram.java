package org.spdz4j.triples;

/**
 * A secure computation written once and run by every participant: by each compute party on
 * its shares, and (without data) by everyone to record the plan the dealer serves. Its control
 * flow must not depend on secret data, nor on revealed values (while the plan is recorded,
 * {@link Session#reveal} returns zeros).
 *
 * <pre>{@code
 * SecureProgram<double[]> program = s -> {
 *     SecretTensor x = s.input(Role.P0, xValues, Shape.of(2, 3));
 *     SecretTensor w = s.input(Role.P1, wValues, Shape.of(3, 2));
 *     return s.reveal(s.matmul(x, w));
 * };
 * double[] xw = Session.runLocal(program).p0();
 * }</pre>
 *
 * @param <T> what the program returns at each party
 */
@FunctionalInterface
public interface SecureProgram<T> {
    /** Runs the computation in {@code session}. */
    T run(Session session) throws Exception;
}
