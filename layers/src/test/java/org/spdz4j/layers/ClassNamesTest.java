package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The one-line forms of a model's class names that messages and the parties' facts use. */
class ClassNamesTest {
    @Test
    void upToTwelveNamesAreAllShownAndMoreAreCut() {
        List<String> thirteen = IntStream.range(0, 13).mapToObj(i -> "c" + i).toList();
        assertEquals("c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ... c12", ClassNames.abbreviated(thirteen));
        assertEquals(String.join(", ", thirteen.subList(0, 12)), ClassNames.abbreviated(thirteen.subList(0, 12)));
        assertEquals("cat, dog", ClassNames.describe(List.of("cat", "dog")));
    }

    /** Three names too long to compare whole are described by a digest (the cut once took ten of three and threw). */
    @Test
    void fewLongNamesAreDescribedByTheirDigest() {
        List<String> three = List.of("a".repeat(150), "b".repeat(150), "c".repeat(150));
        String line = ClassNames.describe(three);
        assertTrue(line.startsWith("3 classes (" + String.join(", ", three) + "), SHA-256 "), line);
        assertEquals(line, ClassNames.describe(List.copyOf(three)));
        assertTrue(!line.equals(ClassNames.describe(List.of("a".repeat(150), "b".repeat(150), "d".repeat(150)))));
    }
}
