package org.spdz4j.core.transport;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The public facts of a run (options every participant must share), by name: encoded in order
 * (their count, then each name and value), compared fact by fact, a difference named with both
 * values. The compute parties agree on theirs with {@code ComputeParty.agree}; the participants
 * outside them (data holders, clients, the coordinator) compare them with {@link #requireSame}.
 *
 * <pre>{@code
 * byte[] mine = Facts.encode(facts);
 * Facts.requireSame(facts, Role.parse("CLIENT3"), Facts.decode(theirs, Role.parse("COORDINATOR")), Role.parse("COORDINATOR"));
 * }</pre>
 */
public final class Facts {
    private Facts() {
    }

    public static byte[] encode(Map<String, String> facts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, facts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static void write(DataOutputStream out, Map<String, String> facts) throws IOException {
        out.writeInt(facts.size());
        for (Map.Entry<String, String> e : facts.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    public static Map<String, String> read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64) {
            throw new IOException("implausible number of facts " + n);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readUTF(), in.readUTF());
        }
        return out;
    }

    /**
     * The facts {@code from} sent, refused as malformed where they do not parse whole: a count
     * out of range, a message cut short, or bytes after the last fact.
     */
    public static Map<String, String> decode(byte[] bytes, Role from) {
        ByteArrayInputStream source = new ByteArrayInputStream(bytes);
        Map<String, String> facts;
        try {
            facts = read(new DataInputStream(source));
        } catch (IOException e) {
            String why = e instanceof java.io.EOFException ? "cut short" : e.getMessage();
            throw new ProtocolException(from + " sent malformed facts (" + bytes.length + " bytes, " + why + ")", e);
        }
        if (source.available() > 0) {
            throw new ProtocolException(from + " sent malformed facts (" + source.available() + " bytes after them)");
        }
        return facts;
    }

    /** The first fact, in {@code mine}'s order, that {@code theirs} holds otherwise or not at all; null if none. */
    public static String firstDifference(Map<String, String> mine, Map<String, String> theirs) {
        for (Map.Entry<String, String> e : mine.entrySet()) {
            if (!e.getValue().equals(theirs.get(e.getKey()))) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The first fact in which {@code them} differs from {@code me} (null if none), both values named. */
    public static String mismatch(Map<String, String> mine, Role me, Map<String, String> theirs, Role them) {
        String differs = firstDifference(mine, theirs);
        if (differs != null) {
            return "another plan: " + them + " runs " + differs + " = " + theirs.get(differs) + " but " + me + " runs "
                    + mine.get(differs) + " (every participant of the run takes the same options)";
        }
        return theirs.size() == mine.size() ? null : "another plan: " + them + " states other facts " + theirs.keySet();
    }

    /** Refuses, naming the first difference, unless {@code theirs} are {@code mine}. */
    public static void requireSame(Map<String, String> mine, Role me, Map<String, String> theirs, Role them) {
        String m = mismatch(mine, me, theirs, them);
        if (m != null) {
            throw new Mismatch(m);
        }
    }
}
