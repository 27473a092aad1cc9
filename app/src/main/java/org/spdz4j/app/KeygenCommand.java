package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.TlsIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spdz keygen}: a key pair and self-signed certificate per role (Bouncy Castle, EC P-256). */
@Command(name = "keygen", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Make a key and self-signed certificate for each given role; prints the fingerprints for the config file.")
final class KeygenCommand implements Callable<Integer> {
    @Option(names = "--role", split = ",", defaultValue = "P0,P1,DEALER",
            description = "roles to make keys for: P0, P1, DEALER, OWNER<n>, HOLDER<n>, LABELS, CLIENT<n>, COORDINATOR")
    List<String> roles;
    @Option(names = "--out", required = true, description = "directory for <ROLE>.key.pem and <ROLE>.crt.pem")
    Path out;
    @Option(names = "--force", description = "replace existing keys and certificates of these roles")
    boolean force;

    @Override
    public Integer call() throws Exception {
        for (String name : roles) {
            Role r = Role.parse(name);
            TlsIdentity.Generated g = TlsIdentity.generate(r);
            g.write(out, r, force);
            System.out.println(r + " fingerprint: " + g.fingerprint());
        }
        return 0;
    }
}
