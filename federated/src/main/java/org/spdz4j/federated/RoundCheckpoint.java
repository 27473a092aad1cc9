package org.spdz4j.federated;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spdz4j.core.files.CheckedFiles;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.transport.Facts;

/**
 * The coordinator's state after a round of a federated run: the global model, the server
 * momentum and the next round. Everything else a round needs is either derived from the run's
 * facts and the round's number (the sample, each client's data order) or fresh in every round
 * (the aggregators' shares, the dealer's randomness), so a run resumed from it goes on exactly
 * as the uninterrupted run would have.
 *
 * <p>Format: magic "SPDZ4JF1", int next round, the 32-byte SHA-256 of the run's facts but the
 * rounds and the deadline (so a resumed run may take more rounds), then the model's tensors (an
 * int count, per tensor an int length and its doubles) and the velocity (an int length and its
 * doubles), then a CRC32 of all before. One file per round, {@code COORDINATOR-round<N>.ckpt},
 * owner-only, written through a rename; the two newest are kept.
 *
 * <pre>{@code
 * RoundCheckpoint.write(dir, facts, new RoundCheckpoint(3, model, velocity));   // after round 3
 * RoundCheckpoint latest = RoundCheckpoint.latest(dir, facts);                  // nextRound() == 3
 * }</pre>
 *
 * @param nextRound the first round still to run (from 0): the rounds before it are in the model
 * @param model     the global model's parameter tensors after those rounds
 * @param velocity  the server momentum's velocity, flat
 */
public record RoundCheckpoint(int nextRound, List<double[]> model, double[] velocity) {
    private static final byte[] MAGIC = {'S', 'P', 'D', 'Z', '4', 'J', 'F', '1'};
    private static final String PREFIX = FederatedTraining.COORDINATOR + "-round";

    /** The file of the state before round {@code nextRound}. */
    public static Path file(Path dir, int nextRound) {
        return CheckedFiles.file(dir, PREFIX, nextRound);
    }

    /** Whether {@code dir} holds a round checkpoint whose checksum holds (a corrupt one is named on stderr). */
    public static boolean saved(Path dir) throws IOException {
        return !CheckedFiles.usable(dir, PREFIX, FederatedTraining.COORDINATOR.toString()).isEmpty();
    }

    /** Writes {@code state} into {@code dir} (created owner-only), keeping the two newest. */
    static void write(Path dir, Map<String, String> facts, RoundCheckpoint state) throws IOException {
        SecretFiles.directory(dir);
        byte[] hash = hash(facts);
        CheckedFiles.write(file(dir, state.nextRound), out -> {
            out.write(MAGIC);
            out.writeInt(state.nextRound);
            out.write(hash);
            out.writeInt(state.model.size());
            for (double[] tensor : state.model) {
                writeDoubles(out, tensor);
            }
            writeDoubles(out, state.velocity);
        });
        CheckedFiles.keepNewest(dir, PREFIX);
    }

    /**
     * The newest checkpoint in {@code dir} whose checksum holds (a corrupt one is skipped with a
     * line on stderr), refused if it belongs to another run (other facts than these, but the
     * rounds and the deadline) or holds a model of another shape than {@code like}'s.
     *
     * @throws IOException naming {@code dir} where it holds none
     */
    static RoundCheckpoint latest(Path dir, Map<String, String> facts, List<double[]> like) throws IOException {
        List<Integer> usable = CheckedFiles.usable(dir, PREFIX, FederatedTraining.COORDINATOR.toString());
        if (usable.isEmpty()) {
            throw new IOException("--resume: " + dir + " holds no usable round checkpoint (" + PREFIX + "N.ckpt) of the "
                    + "coordinator");
        }
        Path f = file(dir, usable.get(usable.size() - 1));
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(CheckedFiles.read(f)))) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw new IOException(f + " is not a spdz4j round checkpoint");
            }
            int next = in.readInt();
            if (!Arrays.equals(in.readNBytes(32), hash(facts))) {
                throw new IOException(f + " was written by another federated run (another network, clients, seed or "
                        + "option than this one's; only --rounds and --deadline may change on --resume)");
            }
            int tensors = in.readInt();
            if (tensors != like.size()) {
                throw new IOException(f + " holds " + tensors + " parameter tensors, the network " + like.size());
            }
            List<double[]> model = new ArrayList<>();
            int size = 0;
            for (double[] t : like) {
                model.add(readDoubles(in, t.length, f));
                size += t.length;
            }
            return new RoundCheckpoint(next, model, readDoubles(in, size, f));
        } catch (EOFException e) {
            throw new IOException(f + " is truncated", e);
        }
    }

    /** What a checkpoint must match: the run's facts but those a resumed run may change. */
    private static byte[] hash(Map<String, String> facts) {
        Map<String, String> kept = new LinkedHashMap<>(facts);
        kept.remove("rounds (--rounds)");
        kept.remove("deadline (--deadline)");
        try {
            return MessageDigest.getInstance("SHA-256").digest(Facts.encode(kept));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void writeDoubles(java.io.DataOutputStream out, double[] values) throws IOException {
        out.writeInt(values.length);
        for (double v : values) {
            out.writeDouble(v);
        }
    }

    private static double[] readDoubles(DataInputStream in, int expected, Path f) throws IOException {
        int n = in.readInt();
        if (n != expected) {
            throw new IOException(f + " holds a tensor of " + n + " values where the network has " + expected);
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readDouble();
        }
        return values;
    }
}
