package org.spdz4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;

class RunConfigTest {
    private static final String FP = "ab".repeat(32);

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static String role(String name, int port) {
        return "  " + name + ": {host: 127.0.0.1, port: " + port + ", fingerprint: " + FP + "}\n";
    }

    @Test
    void anyParticipantsWithExtraLinksMakeTheTopology() throws IOException {
        Path f = write("version: 1\ntls: true\nroles:\n" + role("P0", 7100) + role("P1", 7101) + role("DEALER", 7102)
                + role("HOLDER0", 7103) + role("LABELS", 7104) + "links:\n  - [HOLDER0, LABELS]\n");
        RunConfig c = RunConfig.read(f);
        Topology t = c.topology();
        assertEquals(List.of(Role.P0, Role.P1, Role.of(Role.Kind.LABEL_HOLDER, 0)),
                t.peersOf(Role.of(Role.Kind.DATA_HOLDER, 0)));
        assertEquals(List.of(Role.P0, Role.P1), t.peersOf(Role.DEALER));
        assertEquals(FP, t.participant(Role.of(Role.Kind.LABEL_HOLDER, 0)).fingerprint());

        Path again = dir.resolve("again.yaml");
        c.write(again);
        assertEquals(c, RunConfig.read(again));
    }

    @Test
    void unknownRolesMissingRolesAndDanglingLinksAreNamed() throws IOException {
        Path unknown = write("version: 1\ntls: true\nroles:\n" + role("P0", 7100) + role("P2", 7101));
        assertTrue(assertThrows(IOException.class, () -> RunConfig.read(unknown)).getMessage().contains("unknown role 'P2'"));

        Path dangling = write("version: 1\ntls: true\nroles:\n" + role("P0", 7100) + role("P1", 7101)
                + "links:\n  - [P0, CLIENT3]\n");
        assertTrue(assertThrows(IOException.class, () -> RunConfig.read(dangling)).getMessage()
                .contains("links name CLIENT3, which is not under 'roles'"));

        Path noDealer = write("version: 1\ntls: true\nroles:\n" + role("P0", 7100) + role("P1", 7101));
        RunConfig twoParties = RunConfig.read(noDealer);
        assertTrue(assertThrows(IOException.class, () -> twoParties.requireExactly(noDealer, Role.P0, Role.P1, Role.DEALER))
                .getMessage().contains("missing roles.DEALER"));

        Path extra = write("version: 1\ntls: true\nroles:\n" + role("P0", 7100) + role("P1", 7101) + role("DEALER", 7102)
                + role("HOLDER3", 7103));
        RunConfig four = RunConfig.read(extra);
        assertEquals(extra + ": roles.HOLDER3 takes no part in this run (it has P0, P1, DEALER)", assertThrows(
                IOException.class, () -> four.requireExactly(extra, Role.P0, Role.P1, Role.DEALER)).getMessage());
    }

    @Test
    void duplicateKeysSyntaxErrorsAndMissingFilesGetOneLineNamingTheFile() throws IOException {
        Path twice = write("version: 1\ntls: true\nroles:\n" + role("P0", 7100) + role("P0", 7101));
        String dup = assertThrows(IOException.class, () -> RunConfig.read(twice)).getMessage();
        assertTrue(dup.startsWith(twice + ":5:") && dup.contains("duplicate key P0"), dup);
        assertEquals(1, dup.lines().count(), dup);

        Path broken = write("version: 1\nroles: {P0: [\n");
        String syntax = assertThrows(IOException.class, () -> RunConfig.read(broken)).getMessage();
        assertTrue(syntax.startsWith(broken + ":") && syntax.contains("not valid YAML"), syntax);
        assertEquals(1, syntax.lines().count(), syntax);

        Path missing = dir.resolve("nowhere.yaml");
        assertEquals("the run configuration " + missing + " does not exist (see README, three machines)",
                assertThrows(IOException.class, () -> RunConfig.read(missing)).getMessage());
    }
}
