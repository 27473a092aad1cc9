package org.spdz4j.training;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.files.CheckedFiles;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.Param;

/**
 * One party's training state: its shares of every parameter and momentum, and the next step.
 * Format: magic "SPDZ4JC1", role byte, int next step, 32-byte plan hash, int tensor count, per
 * tensor an int size and (hi, lo) longs for the value then the velocity, then a CRC32 of all
 * before. One file per saved step, {@code <ROLE>-step<N>.ckpt}, written owner-only (0600, in a
 * 0700 directory) to a temporary file and renamed, so a crash leaves the previous checkpoint.
 * A party keeps its two newest: the parties save at the same steps and neither can get more
 * than one save ahead of the other (each step needs both), so after a crash at any moment they
 * still hold a step in common, which they agree on when resuming.
 */
public final class Checkpoint {
    private static final byte[] MAGIC = {'S', 'P', 'D', 'Z', '4', 'J', 'C', '1'};

    private Checkpoint() {
    }

    public static Path file(Path dir, Role role, int nextStep) {
        return CheckedFiles.file(dir, role + "-step", nextStep);
    }

    static void write(Path dir, Role role, int nextStep, byte[] planHash, List<Param> params) throws IOException {
        try {
            writeFile(dir, role, nextStep, planHash, params);
        } catch (IOException e) { // a full disk, say: the earlier checkpoints are kept, and the run stops here
            throw new IOException(role + ": the checkpoint after step " + nextStep + " failed (" + e.getMessage() + "); "
                    + "the earlier checkpoints in " + dir + " are kept: free space, then --resume from them", e);
        }
    }

    private static void writeFile(Path dir, Role role, int nextStep, byte[] planHash, List<Param> params) throws IOException {
        SecretFiles.directory(dir);
        CheckedFiles.write(file(dir, role, nextStep), out -> {
            out.write(MAGIC);
            out.writeByte(role.partyIndex());
            out.writeInt(nextStep);
            out.write(planHash);
            out.writeInt(params.size());
            for (Param p : params) {
                out.writeInt(p.shape().size());
                p.value().write(out);
                p.velocity().write(out);
            }
        });
        CheckedFiles.keepNewest(dir, role + "-step");
    }

    /**
     * The steps {@code role} can resume from: its checkpoint files whose checksum holds, oldest
     * first. A corrupt one is left out with a line on stderr naming it.
     */
    public static List<Integer> steps(Path dir, Role role) throws IOException {
        return CheckedFiles.usable(dir, role + "-step", role.toString());
    }

    /** Loads the shares saved before step {@code step} into {@code params}. */
    public static void read(Path dir, Role role, int step, byte[] planHash, List<Param> params) throws IOException {
        Path f = file(dir, role, step);
        if (!Files.exists(f)) {
            throw new IOException(role + " has no checkpoint for step " + step + " in " + dir);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(CheckedFiles.read(f)))) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw new IOException(f + " is not a spdz4j checkpoint");
            }
            int r = in.readUnsignedByte();
            if (r != role.partyIndex()) {
                throw new IOException(f + " belongs to " + (r == 0 ? Role.P0 : r == 1 ? Role.P1 : "no party (" + r + ")")
                        + ", not " + role);
            }
            int next = in.readInt();
            if (next != step) {
                throw new IOException(f + " holds step " + next + ", not " + step);
            }
            if (!Arrays.equals(in.readNBytes(planHash.length), planHash)) {
                throw new IOException(f + " was written for another plan (network, batch or mode)");
            }
            if (in.readInt() != params.size()) {
                throw new IOException(f + " holds another number of parameter tensors");
            }
            for (Param p : params) {
                if (in.readInt() != p.shape().size()) {
                    throw new IOException(f + ": " + p.name() + " has another size");
                }
                p.set(Ring128Tensor.read(in, p.shape()));
                p.setVelocity(Ring128Tensor.read(in, p.shape()));
            }
        } catch (EOFException e) {
            throw new IOException(f + " is truncated", e);
        }
    }
}
