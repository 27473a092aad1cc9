package org.spdz4j.split;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.files.CheckedFiles;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Facts;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.Param;

/**
 * One participant's state at the end of an epoch of a split run: a holder's bottom and its
 * momentum, the plain top and its momentum at the label holder, or a compute party's shares of
 * the secure top and its momentum. Everything else follows from the run's facts (the schedule,
 * the learning rate) or is fresh in every run (shares of the inputs, the dealer's randomness),
 * so a run resumed from the epoch every participant saved goes on exactly as the uninterrupted
 * run would have.
 *
 * <p>Format: magic "SPDZ4JS1", the role's name, int epochs done, the 32-byte SHA-256 of the
 * run's facts and the matched sample counts, int tensor count, per tensor an int length and its
 * values (doubles, or a compute party's (hi, lo) longs of the share then of its velocity), then
 * a CRC32 of all before. One file per epoch, {@code <ROLE>-epoch<N>.ckpt}, owner-only, written
 * through a rename; the two newest are kept (see {@link CheckedFiles}). None is written after
 * the last epoch: the run has ended.
 */
final class SplitCheckpoint {
    private static final byte[] MAGIC = {'S', 'P', 'D', 'Z', '4', 'J', 'S', '1'};

    private SplitCheckpoint() {
    }

    private static String prefix(Role role) {
        return role + "-epoch";
    }

    /** The epochs {@code role} saved in {@code dir} whose checksum holds, oldest first (a corrupt one named on stderr). */
    static List<Integer> epochs(Path dir, Role role) throws IOException {
        return CheckedFiles.usable(dir, prefix(role), role.toString());
    }

    /** What a participant's checkpoint must match: the run's facts and each holder's number of samples. */
    static byte[] runHash(SplitTraining.Config c, int[] sizes) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(Facts.encode(SplitTraining.facts(c)));
            d.update(Arrays.toString(sizes).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Saves float tensors (parameters, then momentum) after {@code epochs} epochs. */
    static void writeFloats(Path dir, Role role, int epochs, byte[] runHash, List<double[]> tensors) {
        write(dir, role, epochs, runHash, tensors.size(), out -> {
            for (double[] t : tensors) {
                out.writeInt(t.length);
                for (double v : t) {
                    out.writeDouble(v);
                }
            }
        });
    }

    /** Saves a compute party's shares of {@code params} and their velocities after {@code epochs} epochs. */
    static void writeShares(Path dir, Role role, int epochs, byte[] runHash, List<Param> params) {
        write(dir, role, epochs, runHash, params.size(), out -> {
            for (Param p : params) {
                out.writeInt(p.shape().size());
                p.value().write(out);
                p.velocity().write(out);
            }
        });
    }

    /** The float tensors saved after {@code epochs} epochs, each as long as {@code like}'s. */
    static List<double[]> readFloats(Path dir, Role role, int epochs, byte[] runHash, List<double[]> like) {
        List<double[]> out = new ArrayList<>();
        read(dir, role, epochs, runHash, like.size(), (in, f) -> {
            for (double[] t : like) {
                double[] v = new double[length(in, t.length, f)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = in.readDouble();
                }
                out.add(v);
            }
        });
        return out;
    }

    /** Loads the shares and velocities saved after {@code epochs} epochs into {@code params}. */
    static void readShares(Path dir, Role role, int epochs, byte[] runHash, List<Param> params) {
        read(dir, role, epochs, runHash, params.size(), (in, f) -> {
            for (Param p : params) {
                length(in, p.shape().size(), f);
                p.set(Ring128Tensor.read(in, p.shape()));
                p.setVelocity(Ring128Tensor.read(in, p.shape()));
            }
        });
    }

    private interface Body {
        void read(DataInputStream in, Path f) throws IOException;
    }

    private static void write(Path dir, Role role, int epochs, byte[] runHash, int tensors, CheckedFiles.Content body) {
        try {
            SecretFiles.directory(dir);
            CheckedFiles.write(CheckedFiles.file(dir, prefix(role), epochs), out -> {
                out.write(MAGIC);
                out.writeUTF(role.toString());
                out.writeInt(epochs);
                out.write(runHash);
                out.writeInt(tensors);
                body.write(out);
            });
            CheckedFiles.keepNewest(dir, prefix(role));
        } catch (IOException e) { // a full disk, say: the earlier checkpoints are kept, and the run stops here
            throw new UncheckedIOException(role + ": the checkpoint after epoch " + epochs + " failed (" + e.getMessage()
                    + "); the earlier ones in " + dir + " are kept: free space, then --resume from them", e);
        }
    }

    private static void read(Path dir, Role role, int epochs, byte[] runHash, int tensors, Body body) {
        Path f = CheckedFiles.file(dir, prefix(role), epochs);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(CheckedFiles.read(f)))) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw new IOException(f + " is not a spdz4j split checkpoint");
            }
            String owner = in.readUTF();
            if (!owner.equals(role.toString())) {
                throw new IOException(f + " belongs to " + owner + ", not " + role);
            }
            if (in.readInt() != epochs) {
                throw new IOException(f + " holds another epoch than its name says");
            }
            if (!Arrays.equals(in.readNBytes(runHash.length), runHash)) {
                throw new IOException(f + " was written by another split run (other options, or other data: "
                        + "a resumed run must be started as the run it goes on)");
            }
            if (in.readInt() != tensors) {
                throw new IOException(f + " holds another number of tensors than " + role + "'s part of this network");
            }
            body.read(in, f);
        } catch (EOFException e) {
            throw new UncheckedIOException(role + ": cannot resume: " + f + " is truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException(role + ": cannot resume: " + e.getMessage(), e);
        }
    }

    private static int length(DataInputStream in, int expected, Path f) throws IOException {
        int n = in.readInt();
        if (n != expected) {
            throw new IOException(f + " holds a tensor of " + n + " values where the network has " + expected);
        }
        return n;
    }
}
