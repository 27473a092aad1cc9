package org.spdz4j.core.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files that hold secrets (private keys, shares): readable by their owner only from the first
 * byte. A file is created with mode 0600 in one system call (never created wider and narrowed
 * afterwards), a directory with 0700; an existing directory is narrowed to 0700. On a file
 * system without POSIX permissions the platform's defaults apply.
 *
 * <pre>{@code
 * Path dir = SecretFiles.directory(Path.of("state/P0"));            // 0700
 * SecretFiles.writeAtomically(dir.resolve("P0.ckpt"), out -> out.write(bytes));  // 0600, renamed into place
 * }</pre>
 */
public final class SecretFiles {
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private SecretFiles() {
    }

    /** What writes a secret file's bytes. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the content to {@code out} (closed by the caller). */
        void write(OutputStream out) throws IOException;
    }

    /** Creates {@code dir} and missing parents; {@code dir} itself ends with mode 0700. */
    public static Path directory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(dir, attribute(OWNER_DIRECTORY));
            } catch (FileAlreadyExistsException raced) {
                // created meanwhile: narrowed below
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(dir);
            }
        }
        if (posix(dir)) {
            Files.setPosixFilePermissions(dir, OWNER_DIRECTORY);
        }
        return dir;
    }

    /**
     * A new file readable and writable by its owner only, created with that mode.
     *
     * @throws FileAlreadyExistsException if {@code file} exists: secrets are never overwritten here
     */
    public static OutputStream create(Path file) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            return Channels.newOutputStream(Files.newByteChannel(file, options, attribute(OWNER_FILE)));
        } catch (UnsupportedOperationException notPosix) {
            return Channels.newOutputStream(Files.newByteChannel(file, options));
        }
    }

    /**
     * Writes {@code file} (mode 0600) through a new temporary file of a fresh name in the same
     * directory (created exclusively, owner-only) and an atomic rename, so a crash or a full disk
     * leaves either the previous content or the new one, and no partial file.
     *
     * @throws IOException naming {@code file} (a full disk, a directory that is not writable); the
     *                     temporary file is removed and an earlier {@code file} kept
     */
    public static void writeAtomically(Path file, Writer writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attribute(OWNER_FILE));
        } catch (UnsupportedOperationException notPosix) {
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot write " + file + ": " + e + (Files.exists(file) ? "; its earlier content is kept" : ""),
                    e);
        }
    }

    /** Whether anyone but the owner may read, write or enter {@code path} (false without POSIX permissions). */
    public static boolean openToOthers(Path path) throws IOException {
        if (!posix(path)) {
            return false;
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
        p.retainAll(EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE)));
        return !p.isEmpty();
    }

    private static boolean posix(Path path) {
        return Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class) != null;
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }
}
