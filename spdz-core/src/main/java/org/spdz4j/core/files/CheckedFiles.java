package org.spdz4j.core.files;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
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

/**
 * Numbered, checksummed secret files, as every kind of checkpoint keeps them: {@code
 * <prefix>N.ckpt} in an owner-only directory, each its content then a CRC32 of it, written
 * through a temporary file and a rename (a crash leaves the earlier file), the two newest kept
 * (the one before the newest stays for a peer that is one save behind).
 *
 * <pre>{@code
 * CheckedFiles.write(dir.resolve("P0-step40.ckpt"), out -> out.writeInt(40));
 * CheckedFiles.keepNewest(dir, "P0-step");
 * List<Integer> steps = CheckedFiles.usable(dir, "P0-step", "P0");   // [20, 40]
 * byte[] content = CheckedFiles.read(dir.resolve("P0-step40.ckpt"));
 * }</pre>
 */
public final class CheckedFiles {
    private static final int KEPT = 2;
    /** The files' extension. */
    public static final String SUFFIX = ".ckpt";

    private CheckedFiles() {
    }

    /** What writes a file's content (its checksum follows). */
    @FunctionalInterface
    public interface Content {
        void write(DataOutputStream out) throws IOException;
    }

    /** The file {@code <prefix><n>.ckpt} in {@code dir}. */
    public static Path file(Path dir, String prefix, int n) {
        return dir.resolve(prefix + n + SUFFIX);
    }

    /**
     * Writes {@code file}: {@code content}, then a CRC32 of it, owner-only, through a temporary
     * file and a rename (a crash leaves the earlier file); {@link #read} reads it back.
     */
    public static void write(Path file, Content content) throws IOException {
        SecretFiles.writeAtomically(file, os -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(os, 1 << 16), crc));
            content.write(out);
            out.flush();
            out.writeInt((int) crc.getValue()); // not part of the checksum: written after reading it
            out.flush();
        });
    }

    /** The content of a file {@link #write} wrote, its checksum verified (and left off). */
    public static byte[] read(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        if (all.length < 12) {
            throw new IOException(f + " is too short to be a checkpoint");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        if (ByteBuffer.wrap(all, all.length - 4, 4).getInt() != (int) crc.getValue()) {
            throw new IOException(f + " is corrupt (checksum mismatch)");
        }
        return Arrays.copyOf(all, all.length - 4);
    }

    /** Deletes all but the {@value #KEPT} newest files {@code <prefix>N.ckpt} in {@code dir}. */
    public static void keepNewest(Path dir, String prefix) throws IOException {
        List<Integer> saved = numbered(dir, prefix);
        for (int i = 0; i < saved.size() - KEPT; i++) {
            Files.deleteIfExists(file(dir, prefix, saved.get(i)));
        }
    }

    /**
     * The numbers N of the files {@code <prefix>N.ckpt} in {@code dir} whose checksum holds,
     * smallest first; a corrupt one is left out with a line on stderr, {@code who} first, naming it.
     */
    public static List<Integer> usable(Path dir, String prefix, String who) throws IOException {
        List<Integer> usable = new ArrayList<>();
        for (int n : numbered(dir, prefix)) {
            try {
                read(file(dir, prefix, n));
                usable.add(n);
            } catch (IOException corrupt) {
                System.err.println(who + ": skipping " + corrupt.getMessage());
            }
        }
        return usable;
    }

    /** The numbers N of the files {@code <prefix>N.ckpt} in {@code dir}, smallest first (contents unchecked). */
    private static List<Integer> numbered(Path dir, String prefix) throws IOException {
        List<Integer> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "(0|[1-9][0-9]{0,8})" + Pattern.quote(SUFFIX));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (m.matches()) {
                    found.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        Collections.sort(found);
        return found;
    }
}
