package org.spdz4j.split;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.core.transport.Facts;
import org.spdz4j.layers.FeatureScaling;
import org.spdz4j.run.Messages;
import org.spdz4j.split.SplitTraining.Config;
import org.spdz4j.split.SplitTraining.Turn;

/**
 * The messages of split learning's matching, the one codec of the mode beyond {@link
 * org.spdz4j.run.Messages}' arrays: a holder's request (its facts, ids and the epochs it saved),
 * P0's and P1's saved epochs, the label holder's verdict (each holder's sample count and the
 * epoch the run goes on from, or why it refuses), read back and checked by every participant.
 *
 * <pre>{@code
 * Messages.sendBytes(t, SplitTraining.LABELS, Tag.Kind.MATCH, 0,
 *         SplitCodec.matchRequest(config, ids, SplitCodec.Held.of(checkpoints, t.self())));
 * SplitCodec.Match match = SplitCodec.awaitMatch(config, t);   // match.turns(), match.firstStep()
 * }</pre>
 */
public final class SplitCodec {
    private SplitCodec() {
    }

    /**
     * What a participant holding state has to go on from: whether it was started with {@code
     * --resume}, and the epochs it saved (none unless resuming).
     */
    record Held(boolean resume, List<Integer> epochs) {
        static Held of(SplitTraining.Checkpoints ck, Role role) {
            return new Held(ck.resume(), ck.held(role));
        }

        void write(DataOutputStream out) throws IOException {
            out.writeBoolean(resume);
            out.writeInt(epochs.size());
            for (int e : epochs) {
                out.writeInt(e);
            }
        }

        static Held read(DataInputStream in) throws IOException {
            boolean resume = in.readBoolean();
            int n = in.readInt();
            if (n < 0 || n > 1 << 16) {
                throw new IOException("a list of " + n + " saved epochs");
            }
            List<Integer> epochs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                epochs.add(in.readInt());
            }
            return new Held(resume, epochs);
        }
    }

    /**
     * The label holder's verdict as every participant reads it: the schedule, each holder's
     * number of samples, the epoch the run goes on from (0: a new run), the column statistics every
     * holder standardises a CSV by (HOLDER0's test data's; null for images or where none was
     * stated) and, at the label holder alone, each holder's labels by position.
     */
    record Match(List<Turn> turns, int[] sizes, int firstEpoch, int[][] labels, FeatureScaling features) {
        /** The step the run goes on from. */
        int firstStep() {
            return SplitTraining.firstStep(turns, firstEpoch);
        }

        /** What this run's checkpoints must match. */
        byte[] runHash(Config c) {
            return SplitCheckpoint.runHash(c, sizes);
        }

        /** Says, where the run goes on from a saved epoch, where: every participant prints it once matched. */
        Match announced(Role self, int epochs) {
            if (firstEpoch > 0) {
                System.out.printf("%s: going on after epoch %d of %d, at step %d of %d%n", self, firstEpoch, epochs,
                        firstStep() + 1, turns.size());
            }
            return this;
        }

        /** Whether a participant that saves does so after {@code step}: the last of an epoch but the run's last. */
        boolean savesAfter(int step) {
            return step + 1 < turns.size() && DataHolder.epochEnds(turns, step);
        }
    }

    /**
     * What a holder tells the label holder: the public facts it runs with, its ids, what it has to
     * go on from, then the classes its test data names and, for a CSV, how it was standardised
     * (empty and null where it tests nothing).
     */
    static byte[] matchRequest(Config c, List<String> ids, Held held, List<String> testClasses, FeatureScaling testFeatures) {
        String features = encoded(testFeatures);
        return write(out -> {
            Facts.write(out, SplitTraining.facts(c));
            writeStrings(out, ids);
            held.write(out);
            writeStrings(out, testClasses);
            out.writeUTF(features);
        });
    }

    /** {@code f} as one string ("" for none), refused where it would not fit a message's field. */
    private static String encoded(FeatureScaling f) {
        String s = f == null ? "" : f.encode();
        if (s.length() > 20_000) {
            throw new IllegalArgumentException("the test data's column statistics are too long to state (" + s.length()
                    + " characters)");
        }
        return s;
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("a list of " + n + " names");
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(in.readUTF());
        }
        return list;
    }

    /**
     * Why a holder's test data and the label holder's labels would number the model's outputs
     * otherwise, or null: where both name their classes, they name the same ones in the same order.
     */
    static String classesDiffer(Role holder, List<String> testClasses, Role labels, List<String> labelClasses) {
        if (testClasses.isEmpty() || labelClasses.isEmpty() || testClasses.equals(labelClasses)) {
            return null;
        }
        return holder + "'s test data names the classes " + testClasses + " but " + labels + "'s labels " + labelClasses
                + ": the model's outputs would be numbered otherwise (the label file's names, sorted, are its classes)";
    }

    /**
     * The epoch a run goes on from, given what every participant holding state has: 0 where none
     * resumes, else the newest epoch all of them saved.
     *
     * @throws Mismatch naming who, where some resume and others do not, or they hold no epoch in common
     */
    static int firstEpoch(Map<Role, Held> held) {
        Role resuming = null;
        Role anew = null;
        for (Map.Entry<Role, Held> e : held.entrySet()) {
            if (e.getValue().resume()) {
                resuming = resuming == null ? e.getKey() : resuming;
            } else {
                anew = anew == null ? e.getKey() : anew;
            }
        }
        if (resuming == null) {
            return 0;
        }
        if (anew != null) {
            throw new Mismatch(resuming + " was started with --resume and " + anew + " without it: give --resume to every "
                    + "participant that saves (" + String.join(", ", held.keySet().stream().map(Role::toString).toList())
                    + ") or to none");
        }
        java.util.TreeSet<Integer> common = null;
        StringBuilder each = new StringBuilder();
        for (Map.Entry<Role, Held> e : held.entrySet()) {
            java.util.TreeSet<Integer> mine = new java.util.TreeSet<>(e.getValue().epochs());
            if (common == null) {
                common = mine;
            } else {
                common.retainAll(mine);
            }
            each.append(each.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(mine);
        }
        if (common == null || common.isEmpty()) {
            throw new Mismatch("--resume: no epoch that every participant saved (" + each + "); start the run anew, "
                    + "without --resume");
        }
        return common.last();
    }

    /**
     * At the label holder: every holder's facts, ids and saved epochs (and P0's and P1's saved
     * epochs), checked against its own facts and its file; the verdict (each holder's sample
     * count and the epoch the run goes on from, or why not) goes to every holder and, in secure
     * mode, to P0 and P1. Returns the match, each holder's labels by position in it.
     */
    static Match matchHolders(Config c, Map<String, Integer> labelFile, List<String> labelClasses, SplitTraining.Checkpoints ck,
                              Transport t) {
        Map<String, String> mine = SplitTraining.facts(c);
        List<List<String>> ids = new ArrayList<>();
        Map<Role, Held> held = new java.util.LinkedHashMap<>();
        String refusal = null;
        String features = "";
        for (int h = 0; h < c.holders(); h++) {
            DataInputStream in = reader(Messages.receiveBytes(t, SplitTraining.holder(h), Tag.Kind.MATCH, 0));
            try {
                Map<String, String> theirs = Facts.read(in);
                refusal = refusal != null ? refusal : Facts.mismatch(mine, t.self(), theirs, SplitTraining.holder(h));
                ids.add(readStrings(in));
                held.put(SplitTraining.holder(h), Held.read(in));
                String classes = classesDiffer(SplitTraining.holder(h), readStrings(in), t.self(), labelClasses);
                refusal = refusal != null ? refusal : classes;
                String stated = in.readUTF();
                features = features.isEmpty() ? stated : features; // HOLDER0's, the model owner's test data
            } catch (IOException e) {
                throw new ProtocolException(t.self() + " got a malformed id list from " + SplitTraining.holder(h), e);
            }
        }
        if (c.where() == SplitTraining.Where.SECURE) {
            for (Role p : new Role[]{Role.P0, Role.P1}) {
                try {
                    held.put(p, Held.read(reader(Messages.receiveBytes(t, p, Tag.Kind.MATCH, 0))));
                } catch (IOException e) {
                    throw new ProtocolException(t.self() + " got a malformed list of saved epochs from " + p, e);
                }
            }
        } else {
            held.put(t.self(), Held.of(ck, t.self()));
        }
        int[][] labels = null;
        int first = 0;
        if (refusal == null) {
            try {
                labels = SplitData.match(ids, labelFile);
                first = firstEpoch(held);
                if (first >= c.epochs()) {
                    throw new Mismatch("epoch " + first + " was saved by every participant, but the run has " + c.epochs());
                }
            } catch (IllegalArgumentException | Mismatch e) {
                refusal = e.getMessage();
            }
        }
        String reason = refusal;
        int[][] matched = labels;
        int firstEpoch = first;
        String statistics = features;
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
            out.writeInt(firstEpoch);
            out.writeUTF(statistics);
        });
        for (Role r : SplitTraining.roles(c.where(), c.holders())) {
            if (!r.equals(t.self()) && !r.equals(Role.DEALER)) { // P0 tells the dealer
                Messages.sendBytes(t, r, Tag.Kind.MATCH, 1, verdict);
            }
        }
        if (reason != null) {
            throw new Mismatch(t.self() + " refused the run: " + reason);
        }
        int[] sizes = Arrays.stream(labels).mapToInt(a -> a.length).toArray();
        return new Match(SplitTraining.schedule(c, sizes), sizes, firstEpoch, labels, decoded(features, t.self()))
                .announced(t.self(), c.epochs());
    }

    /** At P0 or P1: tells the label holder what it has to go on from ({@link #heldMessage}), then awaits the verdict. */
    static Match joinMatch(Config c, SplitTraining.Checkpoints ck, Transport t) {
        Messages.sendBytes(t, SplitTraining.LABELS, Tag.Kind.MATCH, 0, heldMessage(Held.of(ck, t.self())));
        return awaitMatch(c, t);
    }

    /** What P0 or P1 tells the label holder before the run (and {@link #runEnded} after it). */
    static byte[] heldMessage(Held held) {
        return write(held::write);
    }

    /**
     * At P0 or P1, secure top: tells the label holder the run ended, so that it stays until then
     * (it shares every step's labels long before the parties train on them, and a run that
     * breaks and connects again needs it to match once more).
     */
    static void runEnded(Transport t) {
        Messages.sendBytes(t, SplitTraining.LABELS, Tag.Kind.MATCH, 2, new byte[0]);
    }

    /** At the label holder of a secure top: waits for both parties' {@link #runEnded}; one that dies ends it at once, naming it. */
    static void awaitRunEnd(Transport t) {
        for (Role p : new Role[]{Role.P0, Role.P1}) {
            Messages.receiveBytes(t, p, Tag.Kind.MATCH, 2, SplitTraining.TURN_WAIT);
        }
    }

    /**
     * At a holder, P0, P1 or the dealer: the label holder's verdict (the dealer has it from P0),
     * refused if it refused or runs other facts; the schedule it fixes.
     */
    static Match awaitMatch(Config c, Transport t) {
        boolean dealer = t.self().equals(Role.DEALER);
        Role from = dealer ? Role.P0 : SplitTraining.LABELS;
        byte[] verdict = Messages.receiveBytes(t, from, Tag.Kind.MATCH, 1);
        if (t.self().equals(Role.P0)) {
            Messages.sendBytes(t, Role.DEALER, Tag.Kind.MATCH, 1, verdict);
        }
        DataInputStream in = reader(verdict);
        try {
            if (!in.readBoolean()) {
                throw new Mismatch(SplitTraining.LABELS + " refused the run: " + in.readUTF());
            }
            Facts.requireSame(SplitTraining.facts(c), t.self(), Facts.read(in), SplitTraining.LABELS);
            int[] sizes = new int[in.readInt()];
            if (sizes.length != c.holders()) {
                throw new ProtocolException(SplitTraining.LABELS + " matched " + sizes.length + " holders, expected " + c.holders());
            }
            for (int h = 0; h < sizes.length; h++) {
                sizes[h] = in.readInt();
            }
            List<Turn> turns = SplitTraining.schedule(c, sizes);
            int first = in.readInt();
            if (first < 0 || first >= c.epochs()) {
                throw new ProtocolException(SplitTraining.LABELS + " named epoch " + first + " to go on from, of " + c.epochs());
            }
            return new Match(turns, sizes, first, null, decoded(in.readUTF(), from)).announced(t.self(), c.epochs());
        } catch (IOException e) {
            throw new ProtocolException(t.self() + " got a malformed verdict from " + from, e);
        }
    }

    /** Column statistics as {@code from} stated them ("" for none), refused as malformed where they are not. */
    private static FeatureScaling decoded(String s, Role from) {
        try {
            return s.isEmpty() ? null : FeatureScaling.decode(s);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(from + " stated malformed column statistics: " + e.getMessage(), e);
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
