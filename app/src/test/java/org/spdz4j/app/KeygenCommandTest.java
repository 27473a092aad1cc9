package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.files.SecretFiles;

/** {@code spdz keygen} as README's three-machine setup runs it. */
class KeygenCommandTest {
    @TempDir
    Path dir;

    @Test
    void makesOwnerOnlyKeysForAnyRoleAndReplacesThemOnlyWithForce() throws Exception {
        Path keys = dir.resolve("keys");
        SpdzRun first = SpdzRun.of("keygen", "--role", "P0,HOLDER2", "--out", keys.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("P0 fingerprint: ") && first.out().contains("HOLDER2 fingerprint: "), first.out());
        assertFalse(SecretFiles.openToOthers(keys.resolve("P0.key.pem")));
        byte[] key = Files.readAllBytes(keys.resolve("P0.key.pem"));

        SpdzRun again = SpdzRun.of("keygen", "--role", "P0", "--out", keys.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists: refusing to replace a key (keygen --force replaces it)"), again.err());
        assertArrayEquals(key, Files.readAllBytes(keys.resolve("P0.key.pem")));

        assertEquals(0, SpdzRun.of("keygen", "--role", "P0", "--out", keys.toString(), "--force").code());
        assertFalse(java.util.Arrays.equals(key, Files.readAllBytes(keys.resolve("P0.key.pem"))));

        SpdzRun unknown = SpdzRun.of("keygen", "--role", "P7", "--out", keys.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown role 'P7'"), unknown.err());
    }
}
