package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/**
 * Magnitudes are watched: an input whose square would truncate wrongly is refused at the call
 * (before, the square of 2^41 was wrong in 1 to 4 of 256 elements, silently), and
 * {@link Session#requireRange} finds an intermediate value that grew out of range on shares.
 */
class MagnitudeTest {
    private static final Shape SHAPE = Shape.of(256);

    private static double[] filled(double v) {
        double[] a = new double[SHAPE.size()];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void theBoundIsTwoToThe23AtTwentyFractionalBits() {
        assertEquals(Math.scalb(1.0, 23), FixedPoint.DEFAULT.productSafeAbs());
        assertEquals(Math.scalb(1.0, 33), new FixedPoint(10).productSafeAbs(), "fewer fractional bits, larger values");
    }

    @Test
    void anInputWhoseSquareWouldTruncateWronglyIsRefused() {
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> Session.runLocal(s ->
                s.reveal(s.square(s.input(Role.P0, filled(Math.scalb(1.0, 41)), SHAPE)))));
        assertTrue(e.getMessage().contains("input 0 from P0: element 0 is 2.199023255552E12, not below 8388608.0"), e.getMessage());
        assertThrows(ArithmeticException.class, () -> Session.runLocal(s ->
                s.reveal(s.scale(s.input(Role.P0, filled(2), SHAPE), Math.scalb(1.0, 41)))), "a public factor too");
        assertThrows(ArithmeticException.class, () -> Session.runLocal(s ->
                s.reveal(s.constant(filled(Math.scalb(-1.0, 30)), SHAPE))), "a constant too");
        // just below the bound the square is exact: (2^23 - 1)^2 < 2^47
        double big = Math.scalb(1.0, 23) - 1;
        double[] r = Session.runLocal(s -> s.reveal(s.square(s.input(Role.P0, filled(big), SHAPE)))).p0();
        assertArrayEquals(filled(big * big), r, 1e-5 * big);
    }

    @Test
    void requireRangeFindsAValueThatGrewPastTheBoundAndPassesOneInside() {
        ArithmeticException grown = assertThrows(ArithmeticException.class, () -> Session.runLocal(s -> {
            SecretTensor x = s.input(Role.P0, filled(Math.scalb(1.0, 20)), SHAPE);
            SecretTensor y = s.square(x);                  // 2^40: fine
            s.requireRange(y, Math.scalb(1.0, 41));
            SecretTensor z = s.square(y);                  // 2^80: past the bound, its truncation may fail
            s.requireRange(z, Math.scalb(1.0, 41));
            return s.reveal(z);
        }));
        assertTrue(grown.getMessage().contains("lies outside"), grown.getMessage());
    }

    @Test
    void requireRangeIsExactAtTheEdges() {
        double[] x = {1, -2, 3, 0.5};
        Shape four = Shape.of(4);
        assertThrows(ArithmeticException.class, () -> Session.runLocal(s -> {
            s.requireRange(s.input(Role.P1, x, four), 3.0);  // 3 is not below 3
            return null;
        }));
        assertThrows(ArithmeticException.class, () -> Session.runLocal(s -> {
            s.requireRange(s.input(Role.P1, x, four), 1.99);  // -2 is below -1.99
            return null;
        }));
        double[] r = Session.runLocal(s -> {
            SecretTensor t = s.input(Role.P1, x, four);
            s.requireRange(t, 3.0 + FixedPoint.DEFAULT.ulp());
            s.requireRange(s.input(Role.P0, new double[]{1, -2, 1.5, 0}, four), 2.0); // -2 is in [-2, 2)
            return s.reveal(s.mul(t, t));                   // t's opening serves the check and the product
        }).p0();
        assertArrayEquals(new double[]{1, 4, 9, 0.25}, r, 1e-5);
    }
}
