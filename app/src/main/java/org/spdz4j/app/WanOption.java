package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.spdz4j.core.transport.Role;
import picocli.CommandLine.Option;

/** {@code --wan RTT_MS[,MBIT]}: a demo's links across an emulated WAN ({@link WanLinks}; docs/wan.md). */
final class WanOption {
    @Option(names = "--wan", split = ",", paramLabel = "RTT_MS[,MBIT]", description = "every link across an emulated WAN: "
            + "this round trip in ms and, if given, this bandwidth in Mbit/s each way (each process reaches the peers it "
            + "dials through a delaying proxy; docs/wan.md)")
    List<Integer> wan;

    /** The proxies of this run's links, or null without {@code --wan}; {@code hosted}: the roles each process plays. */
    WanLinks start(Path run, Path config, Map<Role, List<Role>> hosted) throws IOException {
        if (wan == null || wan.isEmpty()) {
            return null;
        }
        if (wan.size() > 2 || wan.get(0) < 0 || (wan.size() == 2 && wan.get(1) < 0)) {
            throw new IllegalArgumentException("--wan takes a round trip in ms and optionally a bandwidth in Mbit/s, "
                    + "neither negative: got " + wan);
        }
        return WanLinks.start(run, "wan-", config, hosted, wan.get(0), wan.size() > 1 ? wan.get(1) : 0);
    }

    /** What the run's links are, for the demo's first lines. */
    String describe() {
        return wan == null || wan.isEmpty() ? "loopback" : "an emulated WAN: " + wan.get(0) + " ms round trip"
                + (wan.size() > 1 && wan.get(1) > 0 ? ", " + wan.get(1) + " Mbit/s each way" : "") + " on every link";
    }
}
