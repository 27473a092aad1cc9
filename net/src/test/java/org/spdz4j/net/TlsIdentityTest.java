package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.transport.Role;

class TlsIdentityTest {
    @TempDir
    Path dir;

    @Test
    void keysAreOwnerOnlyAndNeverReplacedUnlessAsked() throws IOException {
        Path keys = dir.resolve("keys");
        TlsIdentity.generate(Role.P0).write(keys, Role.P0);
        Path key = keys.resolve("P0.key.pem");
        assertFalse(SecretFiles.openToOthers(keys));
        assertFalse(SecretFiles.openToOthers(key));
        byte[] first = Files.readAllBytes(key);

        IOException e = assertThrows(IOException.class, () -> TlsIdentity.generate(Role.P0).write(keys, Role.P0));
        assertEquals(key + " exists: refusing to replace a key (keygen --force replaces it)", e.getMessage());
        assertArrayEquals(first, Files.readAllBytes(key), "a refused write loses nothing");

        TlsIdentity.Generated again = TlsIdentity.generate(Role.P0);
        again.write(keys, Role.P0, true);
        assertEquals(again.fingerprint(), TlsIdentity.read(keys, Role.P0).fingerprint());
        assertFalse(SecretFiles.openToOthers(key));
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedWhenRead() throws IOException {
        TlsIdentity.generate(Role.P0).write(dir, Role.P0);
        TlsIdentity.generate(Role.P1).write(dir, Role.P1);
        Files.delete(dir.resolve("P0.key.pem"));
        Files.copy(dir.resolve("P1.key.pem"), dir.resolve("P0.key.pem"));
        IOException e = assertThrows(IOException.class, () -> TlsIdentity.read(dir, Role.P0));
        assertTrue(e.getMessage().contains("the key " + dir.resolve("P0.key.pem") + " does not belong to the certificate "
                + dir.resolve("P0.crt.pem")), e.getMessage());
    }

    @Test
    void corruptOrMissingPemFilesAreNamed() throws IOException {
        TlsIdentity.generate(Role.P0).write(dir, Role.P0);
        Path cert = dir.resolve("P0.crt.pem");
        String pem = Files.readString(cert);
        Files.writeString(cert, pem.substring(0, 40) + "!!!" + pem.substring(43));
        IOException bad = assertThrows(IOException.class, () -> TlsIdentity.read(dir, Role.P0));
        assertTrue(bad.getMessage().startsWith(cert.toString()), bad.getMessage());

        Files.writeString(cert, "not a certificate\n");
        IOException none = assertThrows(IOException.class, () -> TlsIdentity.read(dir, Role.P0));
        assertTrue(none.getMessage().startsWith(cert.toString()), none.getMessage());

        IOException missing = assertThrows(IOException.class, () -> TlsIdentity.read(dir, Role.P1));
        assertEquals(dir.resolve("P1.key.pem") + " does not exist or is not a file (see 'spdz keygen')",
                missing.getMessage());
    }
}
