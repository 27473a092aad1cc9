package org.spdz4j.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.SecureClassifier;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.net.NettyTransport;
import org.spdz4j.prediction.PredictionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz serve}: a prediction server (P0 or P1, with its share of the model) or the dealer,
 * serving the clients of run.yaml session after session.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Serve private predictions from a model kept on shares: compute party P0 or P1 (--id, --model) "
                + "or the dealer (--dealer). The clients listed in run.yaml connect with 'spdz classify'.")
final class ServeCommand implements Callable<Integer> {
    /** Sessions that may break in a row (each logged) before the process gives up. */
    static final int MOST_FAILED_IN_A_ROW = 3;

    @Mixin
    ProcessOptions process;
    @Option(names = "--id", description = "0 or 1: the compute party, holding its share of the model")
    Integer id;
    @Option(names = "--dealer", description = "run the dealer of the sessions (it holds no share and sees no input)")
    boolean dealer;
    @Option(names = "--model", description = "this party's share of the model (P0.share or P1.share, from --keep-shared "
            + "or 'spdz share-model')")
    Path model;
    @Option(names = "--batch", defaultValue = "100", description = "inputs per batch (the clients of a session share batches)")
    int batch;
    @Option(names = "--max-request", defaultValue = "10000", description = "the most inputs one client may send in a session")
    int maxRequest;
    @Option(names = "--pool-relu", defaultValue = "auto", description = "how a batch of up to 8 inputs runs each max pool "
            + "and its ReLU: auto (all_pairs where half the servers' measured round trip is at least 5 ms an input of a "
            + "batch), all_pairs (5 rounds, about 1.8x the bytes) or tournament (9 rounds); give both servers the same")
    PredictionServer.PoolReluChoice poolRelu;
    @Option(names = "--wait", defaultValue = "2", description = "seconds a session waits for clients once the servers and "
            + "the dealer are connected")
    double waitSeconds;
    @Option(names = "--sessions", defaultValue = "0", description = "stop after this many sessions that answered a client "
            + "(0 = serve until stopped); give the servers and the dealer the same")
    int sessions;

    @Override
    public Integer call() throws Exception {
        if (dealer == (id != null)) {
            throw new IllegalArgumentException("give --id 0|1 (a compute party) or --dealer");
        }
        Role role = dealer ? Role.DEALER : ProcessOptions.computeParty(id);
        SharedModel mine = null;
        if (!dealer) {
            if (model == null) {
                throw new IllegalArgumentException("--model: " + role + " serves its share of a model (" + role + ".share)");
            }
            mine = SharedModel.read(model, role);
            System.out.println(role + ": serving model " + mine.idHex() + " (" + mine.network().describe() + ")");
        }
        PredictionServer.Options options = new PredictionServer.Options(batch, maxRequest, poolRelu);
        List<Role> roles = process.configuredRoles();
        List<Role> clients = roles.stream().filter(r -> r.kind() == Role.Kind.CLIENT).toList();
        if (clients.isEmpty()) {
            throw new IllegalArgumentException(process.config + " lists no client (CLIENT0, CLIENT1, ...): nobody to serve");
        }
        Duration window = Duration.ofMillis(Math.max(1, Math.round(waitSeconds * 1000)));
        SharedModel share = mine;
        long largestMessage = dealer ? 1 : largestMessage(mine, role);
        serveSessions(role, sessions, (n, broke) -> ReconnectOptions.runOrBreak(
                body -> process.run(role, roles, clients, window, body),
                t -> session(role, n, t, share, clients, options, largestMessage), broke));
        return 0;
    }

    /**
     * Session {@code n}: connects, serves it and says whether it answered a client; null where it
     * broke once everyone was in, {@code broke} told (which may rethrow).
     */
    @FunctionalInterface
    interface SessionRun {
        Boolean run(int n, Consumer<ProtocolException> broke) throws Exception;
    }

    /**
     * Runs sessions 1, 2, ... with {@code run} until {@code sessions} of them answered a client
     * (0: until stopped). A session that broke once everyone was in (a link dropped, a peer
     * stopped, a wait timed out) costs that session only: it is logged and the next one connects
     * afresh; not reaching the others, servers that disagree ({@link ReconnectOptions#runOrBreak})
     * and {@link #MOST_FAILED_IN_A_ROW} broken sessions in a row end the process, the last
     * failure rethrown.
     */
    static void serveSessions(Role role, int sessions, SessionRun run) throws Exception {
        int withClients = 0;
        int[] failedInARow = {0};
        for (int session = 1; sessions == 0 || withClients < sessions; session++) {
            int n = session;
            Boolean answered = run.run(n, e -> {
                if (++failedInARow[0] >= MOST_FAILED_IN_A_ROW) {
                    throw e;
                }
                System.err.printf("%s: session %d failed: %s; serving the next session%n", role, n, e.getMessage());
            });
            if (answered != null) {
                withClients += answered ? 1 : 0;
                failedInARow[0] = 0;
            }
        }
    }

    /** One session over the connected transport {@code t}: whether it answered someone (the dealer: ran a batch). */
    private boolean session(Role role, int n, NettyTransport t, SharedModel share, List<Role> clients,
                            PredictionServer.Options options, long largestMessage) {
        if (role.equals(Role.DEALER)) {
            t.limitTensorElements(1); // the dealer receives no tensor
            int batches = PredictionServer.dealer(t, AesCtrPrg.freshSeed(), process.timeout());
            if (batches > 0) {
                System.out.printf("dealer: session %d: %d batches%n", n, batches);
            }
            return batches > 0;
        }
        t.limitTensorElements(Math.min(NettyTransport.MAX_TENSOR_ELEMENTS, Math.max(largestMessage,
                (long) maxRequest * share.network().input().size()))); // a batch's material, or a client's request
        List<Role> connected = clients.stream().filter(c -> !t.absent().contains(c)).toList();
        PredictionServer.Session s = PredictionServer.serve(t, share, connected, options, AesCtrPrg.freshSeed(),
                System.out::println);
        if (!s.served().isEmpty()) {
            String pools = batch > SecureClassifier.FUSED_UP_TO ? "" : String.format(java.util.Locale.ROOT,
                    "; max pools and ReLUs by %s (half the servers' round trip: %.2f ms)",
                    s.poolRelu().toString().toLowerCase(java.util.Locale.ROOT), s.oneWayMs());
            System.out.printf("%s: session %d: answered %s in %d batches, %.2f s (%.1f ms an input)%s%n", role, n,
                    s.served(), s.batches(), s.seconds(), 1000 * s.seconds() / s.inputs(), pools);
        }
        return !s.served().isEmpty(); // as the dealer counts: a session with at least one batch
    }

    /** The largest message of a batch's plan, whichever way {@code --pool-relu} lets its max pools run. */
    private long largestMessage(SharedModel mine, Role role) {
        long largest = 1;
        for (PredictionServer.PoolReluChoice way : poolRelu.candidates(batch)) {
            largest = Math.max(largest, SecureClassifier.create(mine.network(), mine.network().batchShape(batch), role, false,
                    way.forLink(0, batch)).plan().largestMessageValues());
        }
        return largest;
    }
}
