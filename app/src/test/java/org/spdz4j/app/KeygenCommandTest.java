package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.files.SecretFiles;

/** {@code spdz keygen} as README's three-machine setup runs it. */
class KeygenCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run spdz(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            return new Run(Spdz.commandLine().execute(args), out.toString(), err.toString());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void makesOwnerOnlyKeysForAnyRoleAndReplacesThemOnlyWithForce() throws Exception {
        Path keys = dir.resolve("keys");
        Run first = spdz("keygen", "--role", "P0,HOLDER2", "--out", keys.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("P0 fingerprint: ") && first.out().contains("HOLDER2 fingerprint: "), first.out());
        assertFalse(SecretFiles.openToOthers(keys.resolve("P0.key.pem")));
        byte[] key = Files.readAllBytes(keys.resolve("P0.key.pem"));

        Run again = spdz("keygen", "--role", "P0", "--out", keys.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists: refusing to replace a key (keygen --force replaces it)"), again.err());
        assertArrayEquals(key, Files.readAllBytes(keys.resolve("P0.key.pem")));

        assertEquals(0, spdz("keygen", "--role", "P0", "--out", keys.toString(), "--force").code());
        assertFalse(java.util.Arrays.equals(key, Files.readAllBytes(keys.resolve("P0.key.pem"))));

        Run unknown = spdz("keygen", "--role", "P7", "--out", keys.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown role 'P7'"), unknown.err());
    }
}
