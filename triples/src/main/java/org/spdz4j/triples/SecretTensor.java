package org.spdz4j.triples;

import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * A secret tensor of a {@link Session}: this party's share of a fixed-point value (scale 2^f),
 * never its value. It is masked and opened at most once, the first time it enters a product;
 * every later product reuses that opening.
 *
 * <pre>{@code
 * SecretTensor x = session.input(Role.P0, values, Shape.of(4, 4));
 * SecretTensor y = session.mul(x, x);   // opens x once
 * SecretTensor z = session.matmul(x, y); // reuses x's opening, opens y
 * }</pre>
 */
public final class SecretTensor {
    final Session session;
    final int id;               // its position among the session's tensors: how the transcript names it
    final Shape shape;
    final Ring128Tensor share;   // null while the plan is recorded
    PlanEntry.Mask mask;
    MaskedTensor masked;
    PlanEntry.Power square;

    SecretTensor(Session session, int id, Shape shape, Ring128Tensor share) {
        this.session = session;
        this.id = id;
        this.shape = shape;
        this.share = share;
    }

    /** The tensor's shape. */
    public Shape shape() {
        return shape;
    }

    /** Never the value: a secret tensor's elements are not printed. */
    @Override
    public String toString() {
        return "SecretTensor #" + id + " " + shape;
    }
}
