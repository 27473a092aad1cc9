package org.spdz4j.core.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aSecretFileIsOwnerOnlyBeforeItsFirstByte() throws IOException {
        Path dir = SecretFiles.directory(tmp.resolve("a/b"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        Path f = dir.resolve("key.pem");
        try (OutputStream out = SecretFiles.create(f)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            out.write(42);
        }
        assertThrows(FileAlreadyExistsException.class, () -> SecretFiles.create(f).close());
        assertFalse(SecretFiles.openToOthers(f));
    }

    @Test
    void atomicWritesReplaceOwnerOnlyAndNarrowAWideDirectory() throws IOException {
        Path wide = Files.createDirectory(tmp.resolve("wide"));
        Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(SecretFiles.openToOthers(wide));
        SecretFiles.directory(wide);
        assertFalse(SecretFiles.openToOthers(wide));

        Path f = wide.resolve("P0.ckpt");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        SecretFiles.writeAtomically(f, out -> out.write(new byte[]{1, 2, 3}));
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(f));
        assertFalse(SecretFiles.openToOthers(f));
        assertEquals(List.of("P0.ckpt"), names(wide), "no temporary file left");

        // a full disk, as an injected writer: the message names the file, nothing partial is left
        IOException full = assertThrows(IOException.class, () -> SecretFiles.writeAtomically(f, out -> {
            out.write(new byte[]{9, 9});
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + f + ": java.io.IOException: No space left on device; its earlier content is kept",
                full.getMessage());
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(f), "a failed write keeps the previous content");
        assertEquals(List.of("P0.ckpt"), names(wide), "the partial temporary file is removed");
    }

    private static List<String> names(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
