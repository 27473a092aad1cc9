package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.transport.Role;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.run.RunConfig;

/**
 * Each process of a local run sees the peers it dials behind proxies of its own, and keeps its
 * own listening address; a process playing two roles (federated server 0 and the coordinator)
 * keeps both, and dials through proxies for both.
 */
class WanLinksTest {
    @TempDir
    Path run;

    @Test
    void eachProcessDialsThroughItsOwnProxiesAndListensWhereItDid() throws Exception {
        Role c0 = FederatedTraining.client(0);
        Role c1 = FederatedTraining.client(1);
        List<Role> roles = List.of(Role.P0, Role.P1, FederatedTraining.COORDINATOR, c0, c1);
        Path config = Launcher.writeKeysAndConfig(run, roles, FedCommands.links(2));
        RunConfig real = RunConfig.read(config);
        Map<Role, List<Role>> hosted = WanLinks.eachItself(List.of(Role.P0, Role.P1, c0, c1));
        hosted.put(Role.P0, List.of(Role.P0, FederatedTraining.COORDINATOR));
        try (WanLinks wan = WanLinks.start(run, "wan-", config, hosted, Duration.ofMillis(5), 0, Set.of())) {
            RunConfig p0 = RunConfig.read(wan.config(Role.P0));
            RunConfig p1 = RunConfig.read(wan.config(Role.P1));
            RunConfig client = RunConfig.read(wan.config(c0));
            // P0 listens where it did and dials nobody; its coordinator dials P1 and the clients through proxies
            assertEquals(real.endpoints().get(Role.P0), p0.endpoints().get(Role.P0));
            assertEquals(real.endpoints().get(FederatedTraining.COORDINATOR), p0.endpoints().get(FederatedTraining.COORDINATOR));
            for (Role dialled : List.of(Role.P1, c0, c1)) {
                assertNotEquals(real.endpoints().get(dialled), p0.endpoints().get(dialled), "P0's process dials " + dialled);
            }
            // P1 dials P0 through its own proxy, not P0's process's one; a client dials P0 and P1 through its own
            assertNotEquals(real.endpoints().get(Role.P0), p1.endpoints().get(Role.P0));
            assertEquals(real.endpoints().get(Role.P1), p1.endpoints().get(Role.P1));
            assertEquals(real.endpoints().get(FederatedTraining.COORDINATOR), p1.endpoints().get(FederatedTraining.COORDINATOR),
                    "the coordinator dials P1: P1 never dials it");
            assertNotEquals(p1.endpoints().get(Role.P0), client.endpoints().get(Role.P0));
            assertEquals(real.endpoints().get(c0), client.endpoints().get(c0));
            assertEquals(real.fingerprints(), client.fingerprints());
            Launcher.Launch routed = wan.route(Map.of(c0, new Launcher.Launch(List.of("fed-client", "--config",
                    config.toString(), "--id", "0"), "c0.log", false))).get(c0);
            assertEquals(List.of("fed-client", "--config", wan.config(c0).toString(), "--id", "0"), routed.args());
            assertTrue(wan.config(c0).startsWith(run));
        }
    }

    @Test
    void theDealersLinksCanStayOnLoopbackWhileTheComputePartiesTalkThroughAProxy() throws Exception {
        Path config = Launcher.writeKeysAndConfig(run);
        RunConfig real = RunConfig.read(config);
        List<Role> processes = List.of(Role.P0, Role.P1, Role.DEALER);
        try (WanLinks wan = WanLinks.start(run, "direct-", config, WanLinks.eachItself(processes), 50, 100,
                Set.of(Role.DEALER))) {
            for (Role process : processes) {
                RunConfig view = RunConfig.read(wan.config(process));
                for (Role peer : processes) {
                    boolean proxied = !view.endpoints().get(peer).equals(real.endpoints().get(peer));
                    boolean dials = real.topology().dials(process, peer);
                    boolean wanted = dials && !process.equals(Role.DEALER) && !peer.equals(Role.DEALER);
                    assertEquals(wanted, proxied, process + "'s view of " + peer);
                }
            }
            assertTrue(real.topology().dials(Role.P0, Role.P1) || real.topology().dials(Role.P1, Role.P0),
                    "one compute party dials the other: that link goes through a proxy");
        }
    }
}
