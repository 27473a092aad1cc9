package org.spdz4j.split;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.core.transport.Facts;
import org.spdz4j.run.Messages;
import org.spdz4j.split.SplitTraining.Config;
import org.spdz4j.split.SplitTraining.Turn;

/**
 * The messages of split learning's matching, the one codec of the mode beyond {@link
 * org.spdz4j.run.Messages}' arrays: a holder's request (its facts and ids), the label holder's
 * verdict (each holder's sample count, or why it refuses), read back and checked by every
 * participant.
 *
 * <pre>{@code
 * Messages.sendBytes(t, SplitTraining.LABELS, Tag.Kind.MATCH, 0, SplitCodec.matchRequest(config, ids));
 * List<SplitTraining.Turn> turns = SplitCodec.awaitMatch(config, t);
 * }</pre>
 */
public final class SplitCodec {
    private SplitCodec() {
    }

    /** What a holder tells the label holder: the public facts it runs with, then its ids. */
    static byte[] matchRequest(Config c, List<String> ids) {
        return write(out -> {
            Facts.write(out, SplitTraining.facts(c));
            out.writeInt(ids.size());
            for (String id : ids) {
                out.writeUTF(id);
            }
        });
    }

    /**
     * At the label holder: every holder's facts and ids, checked against its own facts and its
     * file; the verdict (each holder's sample count, or why not) goes to every holder and, in
     * secure mode, to P0 and P1. Returns each holder's labels by position.
     */
    static int[][] matchHolders(Config c, Map<String, Integer> labelFile, Transport t) {
        Map<String, String> mine = SplitTraining.facts(c);
        List<List<String>> ids = new ArrayList<>();
        String refusal = null;
        for (int h = 0; h < c.holders(); h++) {
            DataInputStream in = reader(Messages.receiveBytes(t, SplitTraining.holder(h), Tag.Kind.MATCH, 0));
            try {
                Map<String, String> theirs = Facts.read(in);
                refusal = refusal != null ? refusal : Facts.mismatch(mine, t.self(), theirs, SplitTraining.holder(h));
                int n = in.readInt();
                List<String> list = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    list.add(in.readUTF());
                }
                ids.add(list);
            } catch (IOException e) {
                throw new ProtocolException(t.self() + " got a malformed id list from " + SplitTraining.holder(h), e);
            }
        }
        int[][] labels = null;
        if (refusal == null) {
            try {
                labels = SplitData.match(ids, labelFile);
            } catch (IllegalArgumentException e) {
                refusal = e.getMessage();
            }
        }
        String reason = refusal;
        int[][] matched = labels;
        byte[] verdict = write(out -> {
            out.writeBoolean(reason == null);
            if (reason != null) {
                out.writeUTF(reason);
                return;
            }
            Facts.write(out, mine);
            out.writeInt(matched.length);
            for (int[] m : matched) {
                out.writeInt(m.length);
            }
        });
        for (Role r : SplitTraining.roles(c.where(), c.holders())) {
            if (!r.equals(t.self()) && !r.equals(Role.DEALER)) { // P0 tells the dealer
                Messages.sendBytes(t, r, Tag.Kind.MATCH, 1, verdict);
            }
        }
        if (reason != null) {
            throw new ProtocolException("the samples do not match: " + reason);
        }
        return labels;
    }

    /**
     * At a holder, P0, P1 or the dealer: the label holder's verdict (the dealer has it from P0),
     * refused if it refused or runs other facts; the schedule it fixes.
     */
    static List<Turn> awaitMatch(Config c, Transport t) {
        boolean dealer = t.self().equals(Role.DEALER);
        Role from = dealer ? Role.P0 : SplitTraining.LABELS;
        byte[] verdict = Messages.receiveBytes(t, from, Tag.Kind.MATCH, 1);
        if (t.self().equals(Role.P0)) {
            Messages.sendBytes(t, Role.DEALER, Tag.Kind.MATCH, 1, verdict);
        }
        DataInputStream in = reader(verdict);
        try {
            if (!in.readBoolean()) {
                throw new ProtocolException(SplitTraining.LABELS + " refused the run: " + in.readUTF());
            }
            Facts.requireSame(SplitTraining.facts(c), t.self(), Facts.read(in), SplitTraining.LABELS);
            int[] sizes = new int[in.readInt()];
            if (sizes.length != c.holders()) {
                throw new ProtocolException(SplitTraining.LABELS + " matched " + sizes.length + " holders, expected " + c.holders());
            }
            for (int h = 0; h < sizes.length; h++) {
                sizes[h] = in.readInt();
            }
            return SplitTraining.schedule(c, sizes);
        } catch (IOException e) {
            throw new ProtocolException(t.self() + " got a malformed verdict from " + from, e);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static DataInputStream reader(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }
}
