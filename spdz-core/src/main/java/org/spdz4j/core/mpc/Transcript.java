package org.spdz4j.core.mpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * The running record of a compute party's program, bound into its openings (see
 * {@link ComputeParty#checkTranscript()}): two parties that run different programs (another
 * operation, the same operations in another order, swapped operands, another public constant)
 * are stopped at the first opening after the difference, and both name the first operation that
 * differs. Each entry is one operation, its operands named by their position in the program;
 * the digest chains SHA-256 over the entries ({@code d_i = SHA-256(d_(i-1) || entry_i)}) and its
 * first 128 bits ride on each opening as one extra ring element: no extra round. The entries
 * since the last opening both parties agreed on are kept, to name the difference.
 */
final class Transcript {
    private final MessageDigest sha;
    private byte[] digest = new byte[32];
    private int count;
    private int agreedCount;
    private final List<String> sinceAgreed = new ArrayList<>();

    Transcript() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    /** Appends operation {@code entry} (a readable description, never a value of a secret). */
    void add(String entry) {
        sha.update(digest);
        sha.update(entry.getBytes(StandardCharsets.UTF_8));
        digest = sha.digest();
        sinceAgreed.add(entry);
        count++;
    }

    /** The digest's first 128 bits as one ring element (shape (1)), to send with an opening. */
    Ring128Tensor digestElement() {
        ByteBuffer b = ByteBuffer.wrap(digest);
        return Ring128Tensor.wrap(Shape.of(1), new long[]{b.getLong()}, new long[]{b.getLong()});
    }

    /** The element {@code received} equals this party's digest: the programs agree so far. */
    boolean matches(Ring128Tensor received) {
        Ring128Tensor mine = digestElement();
        return java.util.Arrays.equals(mine.hiWords(), received.hiWords())
                && java.util.Arrays.equals(mine.loWords(), received.loWords());
    }

    /** Both parties checked the digest of every entry so far. */
    void agreed() {
        sinceAgreed.clear();
        agreedCount = count;
    }

    /**
     * The digests differ at {@code tag}: both parties found it at the same opening, so each sends
     * the other its entries since the last agreement (a message on failure only) and both throw,
     * naming the first entry that differs on each side.
     */
    Mismatch mismatch(Transport transport, Role self, Tag tag) {
        Role peer = self.peer();
        Tag explain = new Tag(Tag.Kind.TRANSCRIPT, tag.step(), tag.position());
        transport.sendBytes(peer, explain, String.join("\n", sinceAgreed).getBytes(StandardCharsets.UTF_8));
        String text = new String(transport.receiveBytes(peer, explain), StandardCharsets.UTF_8);
        List<String> theirs = text.isEmpty() ? List.of() : List.of(text.split("\n", -1));
        return new Mismatch(self + " and " + peer + " run different programs, stopped at " + tag + ": "
                + firstDifference(self, sinceAgreed, peer, theirs));
    }

    /** The digest that came with a reveal to this party differs (the sender learns it at its next opening). */
    Mismatch mismatchOnReveal(Role self, Tag tag) {
        return new Mismatch(self + " and " + self.peer() + " run different programs, stopped at " + tag + ": "
                + self.peer() + "'s record of the operations differs from " + self + "'s, whose operations since the last "
                + "agreed opening are " + (sinceAgreed.isEmpty() ? "none" : String.join("; ", sinceAgreed)));
    }

    private String firstDifference(Role self, List<String> mine, Role peer, List<String> theirs) {
        for (int i = 0; i < Math.max(mine.size(), theirs.size()); i++) {
            String a = i < mine.size() ? mine.get(i) : "nothing more";
            String b = i < theirs.size() ? theirs.get(i) : "nothing more";
            if (!a.equals(b)) {
                return "operation " + (agreedCount + i + 1) + " of the program is " + quote(self, a) + " but "
                        + quote(peer, b) + "; every party must run the same operations in the same order (iterate "
                        + "collections in an order both share, never a HashSet of tensors)";
            }
        }
        return "the records differ before the last agreed opening (the parties' programs differ earlier)";
    }

    private static String quote(Role r, String entry) {
        return "'" + entry + "' at " + r;
    }
}
