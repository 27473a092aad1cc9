package org.spdz4j.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FactsTest {
    private static final Role COORDINATOR = Role.parse("COORDINATOR");

    private static Map<String, String> facts(String batch) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("batch size (--batch)", batch);
        f.put("network", "conv(1,16) ü");
        return f;
    }

    @Test
    void decodeGivesBackWhatEncodeWroteInOrder() {
        Map<String, String> back = Facts.decode(Facts.encode(facts("32")), COORDINATOR);
        assertEquals(facts("32"), back);
        assertEquals(List.copyOf(facts("32").keySet()), List.copyOf(back.keySet()));
    }

    @Test
    void aMessageCutShortOrWithBytesAfterTheFactsIsRefusedNamingTheSender() {
        byte[] whole = Facts.encode(facts("32"));
        ProtocolException cut = assertThrows(ProtocolException.class,
                () -> Facts.decode(Arrays.copyOf(whole, whole.length - 1), COORDINATOR));
        assertEquals("COORDINATOR sent malformed facts (" + (whole.length - 1) + " bytes, cut short)", cut.getMessage());
        ProtocolException trailing = assertThrows(ProtocolException.class,
                () -> Facts.decode(Arrays.copyOf(whole, whole.length + 3), COORDINATOR));
        assertEquals("COORDINATOR sent malformed facts (3 bytes after them)", trailing.getMessage());
        ProtocolException count = assertThrows(ProtocolException.class,
                () -> Facts.decode(new byte[]{(byte) 0xff, 0, 0, 0}, COORDINATOR));
        assertEquals("COORDINATOR sent malformed facts (4 bytes, implausible number of facts -16777216)", count.getMessage());
    }

    @Test
    void theFirstDifferenceIsNamedWithBothValues() {
        Role me = Role.parse("CLIENT3");
        assertNull(Facts.mismatch(facts("32"), me, facts("32"), COORDINATOR));
        assertEquals("another plan: COORDINATOR runs batch size (--batch) = 16 but CLIENT3 runs 32 (every participant of the "
                + "run takes the same options)", Facts.mismatch(facts("32"), me, facts("16"), COORDINATOR));
        Map<String, String> more = facts("32");
        more.put("extra", "1");
        assertEquals("another plan: COORDINATOR states other facts [batch size (--batch), network, extra]",
                Facts.mismatch(facts("32"), me, more, COORDINATOR));
        assertThrows(ProtocolException.class, () -> Facts.requireSame(facts("32"), me, facts("16"), COORDINATOR));
        Map<String, String> without = facts("32");
        without.remove("network");
        assertEquals("network", Facts.firstDifference(facts("32"), without), "a fact the other does not state differs");
        assertNull(Facts.firstDifference(without, facts("32")), "only the first map's facts are compared");
    }
}
