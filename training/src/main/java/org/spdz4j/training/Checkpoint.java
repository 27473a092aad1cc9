package org.spdz4j.training;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
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
    private static final int KEPT = 2;
    private static final String SUFFIX = ".ckpt";

    private Checkpoint() {
    }

    public static Path file(Path dir, Role role, int nextStep) {
        return dir.resolve(role + "-step" + nextStep + SUFFIX);
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
        writeChecked(file(dir, role, nextStep), out -> {
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
        keepNewest(dir, role + "-step");
    }

    /** What writes a checkpoint's content (its checksum follows). */
    @FunctionalInterface
    public interface Content {
        void write(DataOutputStream out) throws IOException;
    }

    /**
     * Writes {@code file}: {@code content}, then a CRC32 of it, owner-only, through a temporary
     * file and a rename (a crash leaves the earlier file); {@link #readChecked} reads it back.
     */
    public static void writeChecked(Path file, Content content) throws IOException {
        SecretFiles.writeAtomically(file, os -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(os, 1 << 16), crc));
            content.write(out);
            out.flush();
            out.writeInt((int) crc.getValue()); // not part of the checksum: written after reading it
            out.flush();
        });
    }

    /**
     * Deletes all but the {@value #KEPT} newest checkpoints {@code <prefix>N.ckpt} in {@code dir}:
     * the one before the newest stays for a peer that is one save behind.
     */
    public static void keepNewest(Path dir, String prefix) throws IOException {
        List<Integer> saved = numbered(dir, prefix);
        for (int i = 0; i < saved.size() - KEPT; i++) {
            Files.deleteIfExists(dir.resolve(prefix + saved.get(i) + SUFFIX));
        }
    }

    /** The numbers N of the files {@code <prefix>N.ckpt} in {@code dir}, smallest first (contents unchecked). */
    private static List<Integer> numbered(Path dir, String prefix) throws IOException {
        List<Integer> steps = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return steps;
        }
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "(0|[1-9][0-9]{0,8})" + Pattern.quote(SUFFIX));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (m.matches()) {
                    steps.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        Collections.sort(steps);
        return steps;
    }

    /**
     * The steps {@code role} can resume from: its checkpoint files whose checksum holds, oldest
     * first. A corrupt one is left out with a line on stderr naming it.
     */
    public static List<Integer> steps(Path dir, Role role) throws IOException {
        return usable(dir, role + "-step", role.toString());
    }

    /**
     * The numbers N of the checkpoints {@code <prefix>N.ckpt} in {@code dir} whose checksum holds,
     * smallest first; a corrupt one is left out with a line on stderr, {@code who} first, naming it.
     */
    public static List<Integer> usable(Path dir, String prefix, String who) throws IOException {
        List<Integer> usable = new ArrayList<>();
        for (int n : numbered(dir, prefix)) {
            try {
                readChecked(dir.resolve(prefix + n + SUFFIX));
                usable.add(n);
            } catch (IOException corrupt) {
                System.err.println(who + ": skipping " + corrupt.getMessage());
            }
        }
        return usable;
    }

    /** The content of a file {@link #writeChecked} wrote, its checksum verified (and left off). */
    public static byte[] readChecked(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        if (all.length < MAGIC.length + 4) {
            throw new IOException(f + " is too short to be a checkpoint");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        if (ByteBuffer.wrap(all, all.length - 4, 4).getInt() != (int) crc.getValue()) {
            throw new IOException(f + " is corrupt (checksum mismatch)");
        }
        return Arrays.copyOf(all, all.length - 4);
    }

    /** Loads the shares saved before step {@code step} into {@code params}. */
    public static void read(Path dir, Role role, int step, byte[] planHash, List<Param> params) throws IOException {
        Path f = file(dir, role, step);
        if (!Files.exists(f)) {
            throw new IOException(role + " has no checkpoint for step " + step + " in " + dir);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(readChecked(f)))) {
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
