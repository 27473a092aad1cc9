package org.spdz4j.app;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.Param;

/**
 * One party's training state: its shares of every parameter and momentum, and the next step.
 * Format: magic "SPDZ4JC1", role byte, int next step, 32-byte plan hash, int tensor count, per
 * tensor an int size and (hi, lo) longs for the value then the velocity, then a CRC32 of all
 * before. Written to a temporary file and renamed, so a crash leaves the previous checkpoint.
 */
final class Checkpoint {
    private static final byte[] MAGIC = {'S', 'P', 'D', 'Z', '4', 'J', 'C', '1'};

    private Checkpoint() {
    }

    static Path file(Path dir, Role role) {
        return dir.resolve(role + ".ckpt");
    }

    static void write(Path dir, Role role, int nextStep, byte[] planHash, List<Param> params) throws IOException {
        Files.createDirectories(dir);
        Path target = file(dir, role);
        Path tmp = dir.resolve(role + ".ckpt.tmp");
        CRC32 crc = new CRC32();
        try (DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), crc))) {
            out.write(MAGIC);
            out.writeByte(role.partyIndex());
            out.writeInt(nextStep);
            out.write(planHash);
            out.writeInt(params.size());
            for (Param p : params) {
                out.writeInt(p.shape().size());
                writeWords(out, p.value());
                writeWords(out, p.velocity());
            }
            out.flush();
            out.writeInt((int) crc.getValue()); // not part of the checksum: written after reading it
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The step a checkpoint continues from, without loading it (checksum still checked). */
    static int nextStep(Path dir, Role role) throws IOException {
        Path f = file(dir, role);
        byte[] all = Files.readAllBytes(f);
        CRC32 crc = new CRC32();
        crc.update(all, 0, Math.max(0, all.length - 4));
        if (all.length < MAGIC.length + 5 || ByteBuffer.wrap(all, all.length - 4, 4).getInt() != (int) crc.getValue()) {
            throw new IOException(f + " is corrupt or truncated");
        }
        return ByteBuffer.wrap(all, MAGIC.length + 1, 4).getInt();
    }

    /** Loads the shares into {@code params} and returns the step to continue from. */
    static int read(Path dir, Role role, byte[] planHash, List<Param> params) throws IOException {
        Path f = file(dir, role);
        byte[] all = Files.readAllBytes(f);
        if (all.length < MAGIC.length + 4) {
            throw new IOException(f + " is too short to be a checkpoint");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        if (ByteBuffer.wrap(all, all.length - 4, 4).getInt() != (int) crc.getValue()) {
            throw new IOException(f + " is corrupt (checksum mismatch)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 4))) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw new IOException(f + " is not a spdz4j checkpoint");
            }
            int r = in.readUnsignedByte();
            if (r != role.partyIndex()) {
                throw new IOException(f + " belongs to " + (r == 0 ? Role.P0 : r == 1 ? Role.P1 : "no party (" + r + ")")
                        + ", not " + role);
            }
            int next = in.readInt();
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
                p.set(readWords(in, p));
                p.setVelocity(readWords(in, p));
            }
            return next;
        } catch (EOFException e) {
            throw new IOException(f + " is truncated", e);
        }
    }

    private static void writeWords(DataOutputStream out, Ring128Tensor t) throws IOException {
        for (int i = 0; i < t.size(); i++) {
            out.writeLong(t.hi(i));
            out.writeLong(t.lo(i));
        }
    }

    private static Ring128Tensor readWords(DataInputStream in, Param p) throws IOException {
        int n = p.shape().size();
        long[] hi = new long[n];
        long[] lo = new long[n];
        for (int i = 0; i < n; i++) {
            hi[i] = in.readLong();
            lo[i] = in.readLong();
        }
        return Ring128Tensor.wrap(p.shape(), hi, lo);
    }
}
