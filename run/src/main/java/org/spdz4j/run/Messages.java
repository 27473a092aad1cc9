package org.spdz4j.run;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * Messages larger than one transport frame between the participants of split and federated
 * runs: a byte payload goes as pieces of at most {@link #PIECE_BYTES} under tags {@code (kind,
 * step, 0..)}, the first piece led by the total length; a list of double arrays (weights,
 * plaintext activations and gradients) goes bit for bit as their IEEE 754 bits, led by the
 * arrays' lengths, which the receiver checks against the lengths it expects.
 *
 * <pre>{@code
 * Messages.sendDoubles(t, Role.parse("LABELS"), Tag.Kind.INPUT, step, List.of(activations));
 * double[] a = Messages.receiveDoubles(t, holder, Tag.Kind.INPUT, step, new int[]{n}).get(0);
 * }</pre>
 */
public final class Messages {
    /** Bytes per piece: half a MiB, well under the transport's largest frame. */
    public static final int PIECE_BYTES = 1 << 19;
    /** Largest payload a receiver accepts. */
    public static final int MAX_BYTES = 1 << 28;

    private Messages() {
    }

    public static void sendBytes(Transport t, Role to, Tag.Kind kind, int step, byte[] payload) {
        int pieces = Math.max(1, (payload.length + PIECE_BYTES - 1) / PIECE_BYTES);
        for (int p = 0; p < pieces; p++) {
            int from = p * PIECE_BYTES;
            int end = Math.min(payload.length, from + PIECE_BYTES);
            ByteBuffer b = ByteBuffer.allocate((p == 0 ? 4 : 0) + end - from);
            if (p == 0) {
                b.putInt(payload.length);
            }
            b.put(payload, from, end - from);
            t.sendBytes(to, new Tag(kind, step, p), b.array());
        }
    }

    public static byte[] receiveBytes(Transport t, Role from, Tag.Kind kind, int step) {
        return receiveBytes(t, from, kind, step, null);
    }

    /**
     * As {@link #receiveBytes(Transport, Role, Tag.Kind, int)}, waiting up to {@code limit} (null:
     * the transport's timeout) for the first piece: for a message that comes only when a long
     * part of the run is over (a holder's turn); the other pieces follow at once.
     */
    public static byte[] receiveBytes(Transport t, Role from, Tag.Kind kind, int step, Duration limit) {
        Tag tag = new Tag(kind, step, 0);
        ByteBuffer first = ByteBuffer.wrap(limit == null ? t.receiveBytes(from, tag) : t.receiveBytes(from, tag, limit));
        int total = first.remaining() >= 4 ? first.getInt() : -1;
        if (total < 0 || total > MAX_BYTES || first.remaining() != Math.min(total, PIECE_BYTES)) {
            throw new ProtocolException(t.self() + " got a malformed " + kind + " message from " + from + " for step " + step);
        }
        byte[] out = new byte[total];
        first.get(out, 0, first.remaining());
        for (int p = 1, at = PIECE_BYTES; at < total; p++, at += PIECE_BYTES) {
            byte[] piece = t.receiveBytes(from, new Tag(kind, step, p));
            if (piece.length != Math.min(PIECE_BYTES, total - at)) {
                throw new ProtocolException(t.self() + " got a malformed " + kind + " message from " + from + " for step "
                        + step + " (piece " + p + " has " + piece.length + " bytes)");
            }
            System.arraycopy(piece, 0, out, at, piece.length);
        }
        return out;
    }

    public static void sendDoubles(Transport t, Role to, Tag.Kind kind, int step, List<double[]> arrays) {
        long values = arrays.stream().mapToLong(a -> a.length).sum();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(4 + 4L * arrays.size() + 8 * values));
        b.putInt(arrays.size());
        arrays.forEach(a -> b.putInt(a.length));
        for (double[] a : arrays) {
            for (double v : a) {
                b.putDouble(v);
            }
        }
        sendBytes(t, to, kind, step, b.array());
    }

    /** The arrays {@code from} sent; refused naming both unless their lengths are {@code lengths}. */
    public static List<double[]> receiveDoubles(Transport t, Role from, Tag.Kind kind, int step, int[] lengths) {
        return receiveDoubles(t, from, kind, step, lengths, null);
    }

    /** As {@link #receiveDoubles(Transport, Role, Tag.Kind, int, int[])}, waiting up to {@code limit} for it to begin. */
    public static List<double[]> receiveDoubles(Transport t, Role from, Tag.Kind kind, int step, int[] lengths, Duration limit) {
        ByteBuffer b = ByteBuffer.wrap(receiveBytes(t, from, kind, step, limit));
        int n = b.remaining() >= 4 ? b.getInt() : -1;
        int[] got = new int[Math.max(0, Math.min(n, b.remaining() / 4))];
        for (int i = 0; i < got.length; i++) {
            got[i] = b.getInt();
        }
        long values = Arrays.stream(lengths).asLongStream().sum();
        if (n != lengths.length || !Arrays.equals(got, lengths) || b.remaining() != 8 * values) {
            throw new ProtocolException(t.self() + " expected arrays of lengths " + Arrays.toString(lengths) + " from " + from
                    + " for " + kind + " step " + step + " but got " + (n == got.length ? Arrays.toString(got) : "a malformed message")
                    + " (do both run the same network?)");
        }
        List<double[]> out = new ArrayList<>();
        for (int len : lengths) {
            double[] a = new double[len];
            for (int i = 0; i < len; i++) {
                a[i] = b.getDouble();
            }
            out.add(a);
        }
        return out;
    }

    /** The lengths of {@code arrays}: what a receiver of them expects. */
    public static int[] lengths(List<double[]> arrays) {
        return arrays.stream().mapToInt(a -> a.length).toArray();
    }
}
