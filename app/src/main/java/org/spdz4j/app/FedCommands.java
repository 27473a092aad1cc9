package org.spdz4j.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.Dataset;
import org.spdz4j.federated.Aggregator;
import org.spdz4j.federated.Coordinator;
import org.spdz4j.federated.FedClient;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.federated.RoundCheckpoint;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.net.NettyTransport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The participants of a federated run as separate processes over mutual TLS, each started with
 * the same {@link FedOptions} and the run configuration (every participant's address and pinned
 * certificate, and a link from the coordinator to each client): {@code fed-server --id 0|1}
 * (the aggregators; server 0 also plays the coordinator, as a participant of its own with its
 * own key: the aggregator never sees the sums, the coordinator never a client's vector) and
 * {@code fed-client --id k}. {@code fed-demo} starts them all on localhost.
 */
final class FedCommands {
    private FedCommands() {
    }

    @Command(name = "fed-server", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "An aggregator of a federated run (P0 or P1); server 0 also runs the coordinator.")
    static final class Server implements Callable<Integer> {
        @Mixin
        ProcessOptions process;
        @Mixin
        FedOptions fed;
        @Option(names = "--id", required = true, description = "0 or 1")
        int id;
        @Option(names = "--test-data", description = "server 0: a data folder (MNIST's IDX files, image folders or CSV "
                + "files, docs/data.md) whose test set tests each round's model")
        Path testData;
        @Mixin
        DataOptions dataOptions;
        @Mixin
        FedReportOptions report;
        @Mixin
        FedCheckpointOptions saving;
        @Mixin
        ReconnectOptions reconnect;

        @Override
        public Integer call() throws Exception {
            Role me = ProcessOptions.computeParty(id);
            FederatedTraining.Config c = fed.config();
            InputScaling scaling = fed.givenScaling();
            List<Role> roles = FederatedTraining.roles(c);
            if (me.equals(Role.P1)) {
                saving.refuseAt("server 1");
                reconnect.run(me, ReconnectOptions.FEDERATED, body -> process.runAdmittingLate(me, roles, clients(roles), body),
                        t -> aggregate(c, scaling, t), () -> { });
                return 0;
            }
            if (testData == null) {
                throw new IllegalArgumentException("server 0 runs the coordinator: give --test-data (a data folder)");
            }
            FederatedTraining.Checkpoints saves = saving.checkpoints();
            if (reconnect.times > 0 && saves.dir() == null) {
                throw new IllegalArgumentException("--reconnect needs --checkpoint-dir at server 0: the run goes on from the "
                        + "coordinator's last saved round");
            }
            Coordinator.resumption(c, scaling, saves); // refused here, before anyone waits, if it cannot be
            Dataset test = Dataset.load(testData, false, dataOptions.layout(c.network())).scaled(scaling);
            DataOptions.requireFits(c.network(), test, testData.toString());
            report.output.say(FederatedTraining.describe(c));
            FederatedTraining.Result r;
            try (Metrics metrics = report.metrics()) {
                for (int attempt = 1; ; attempt++) {
                    r = serveOnce(me, c, scaling, roles, test, metrics, saves, attempt);
                    if (r != null) {
                        break;
                    }
                    // broke: everyone connects again, the coordinator going on from its last saved round (or the first)
                    saves = new FederatedTraining.Checkpoints(saves.dir(), RoundCheckpoint.saved(saves.dir()));
                }
            }
            report.write(c, scaling, r, test.classes(), test.featureScaling()); // the statistics every client's CSV took
            return 0;
        }

        /**
         * Server 0's two parts over a connection each, the coordinator on a thread of its own;
         * the coordinator's result, or null where its run broke once everyone was in and
         * {@code --reconnect} lets attempt {@code attempt} connect again (said once, for whichever
         * part broke first: the other ends because that one's links closed).
         */
        private FederatedTraining.Result serveOnce(Role me, FederatedTraining.Config c, InputScaling scaling,
                                                   List<Role> roles, Dataset test, Metrics metrics,
                                                   FederatedTraining.Checkpoints saves, int attempt) throws Exception {
            AtomicBoolean said = new AtomicBoolean();
            Consumer<ProtocolException> broke = e -> {
                if (said.compareAndSet(false, true)) {
                    reconnect.again(me, e, attempt, ReconnectOptions.FEDERATED);
                }
            };
            CompletableFuture<FederatedTraining.Result> coordinating = CompletableFuture.supplyAsync(() -> {
                try {
                    return ReconnectOptions.runOrBreak(
                            body -> process.runAdmittingLate(FederatedTraining.COORDINATOR, roles, clients(roles), body),
                            t -> Coordinator.run(c, scaling, t, test, report.testImages, report.eachRound(metrics), saves), broke);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            ReconnectOptions.runOrBreak(body -> process.runAdmittingLate(me, roles, clients(roles), body),
                    t -> aggregate(c, scaling, t), broke);
            try {
                return coordinating.get(); // null where it broke; where only the aggregator did, every round is done
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }
    }

    /** An aggregator's part over {@code t}; true once done (null is a broken run's, see {@link ReconnectOptions#runOrBreak}). */
    private static Boolean aggregate(FederatedTraining.Config c, InputScaling scaling, NettyTransport t) {
        Aggregator.run(c, scaling, t);
        return Boolean.TRUE;
    }

    @Command(name = "fed-client", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "A client of a federated run: trains the global model on its own data, shares its update.")
    static final class Client implements Callable<Integer> {
        @Mixin
        ProcessOptions process;
        @Mixin
        FedOptions fed;
        @Option(names = "--id", required = true, description = "this client's number: 0, 1, ...")
        int id;
        @Option(names = "--images", description = "this client's images (IDX, gzipped or not), with --labels")
        Path images;
        @Option(names = "--labels", description = "this client's labels (IDX, gzipped or not), with --images")
        Path labels;
        @Option(names = "--data", description = "instead of --images and --labels: this client's data folder (its training "
                + "set: MNIST's IDX files, an image folder train/ or train.csv; docs/data.md)")
        Path data;
        @Mixin
        DataOptions dataOptions;
        @Mixin
        ReconnectOptions reconnect;
        @Option(names = "--poison", hidden = true, description = "demos and tests: push every update element to the clip")
        boolean poison;
        @Option(names = "--attack", hidden = true, description = "demos and tests: break the protocol every round: "
                + "${COMPLETION-CANDIDATES}")
        FederatedTraining.Attack attack;

        @Override
        public Integer call() throws Exception {
            FederatedTraining.Config c = fed.config();
            if (id < 0 || id >= c.clients()) {
                throw new IllegalArgumentException("--id " + id + " outside 0.." + (c.clients() - 1));
            }
            InputScaling scaling = fed.givenScaling();
            if ((data == null) == (images == null || labels == null)) {
                throw new IllegalArgumentException("give this client's data as --data DIR, or as --images and --labels");
            }
            Dataset own = (data != null ? Dataset.load(data, true, dataOptions.layout(c.network()).asPart())
                    : Dataset.readLabeled(images, labels)).scaled(scaling);
            // its classes are numbered by the run's once the coordinator states them (a part may lack some)
            DataOptions.requireInputFits(c.network(), own, data != null ? data.toString() : images.toString());
            c.checkHeadroom(own.size());
            Role me = FederatedTraining.client(id);
            FederatedTraining.Faults faults = faults();
            reconnect.run(me, ReconnectOptions.FEDERATED, body -> process.run(me, FederatedTraining.roles(c), body), t -> {
                FedClient.run(c, scaling, id, own, t, faults);
                return Boolean.TRUE;
            }, () -> { });
            return 0;
        }

        /** What the hidden test options make this client do wrong. */
        private FederatedTraining.Faults faults() {
            if (poison && attack != null) {
                throw new IllegalArgumentException("--poison or --attack, not both");
            }
            return poison ? new FederatedTraining.Faults(-1, -1, -1, -1, id)
                    : attack != null ? FederatedTraining.Faults.attack(id, attack) : FederatedTraining.Faults.NONE;
        }
    }

    @Command(name = "fed-dealer", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "The dealer of a federated run with secure aggregation: the randomness of the check on shares of what each client sends.")
    static final class Dealer implements Callable<Integer> {
        @Mixin
        ProcessOptions process;
        @Mixin
        FedOptions fed;
        @Mixin
        DealerOptions dealing;
        @Mixin
        DataOptions dataOptions; // not used: taken so every participant of a run takes the same options
        @Mixin
        ReconnectOptions reconnect;

        @Override
        public Integer call() throws Exception {
            FederatedTraining.Config c = fed.config();
            if (!c.inputCheck()) {
                throw new IllegalArgumentException("a federated run needs a dealer only for the input check (not with --plaintext or --no-input-check)");
            }
            reconnect.run(Role.DEALER, ReconnectOptions.FEDERATED, body -> process.run(Role.DEALER, FederatedTraining.roles(c),
                    body), t -> {
                Aggregator.dealer(c, t, dealing.seed());
                return Boolean.TRUE;
            }, () -> { });
            return 0;
        }
    }

    /** The links beyond the compute parties' own: the coordinator with each client. */
    static List<List<Role>> links(int clients) {
        List<List<Role>> links = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            links.add(List.of(FederatedTraining.COORDINATOR, FederatedTraining.client(k)));
        }
        return links;
    }

    /** The clients among {@code roles}: a server or the coordinator starts without those that do not connect. */
    static List<Role> clients(List<Role> roles) {
        return roles.stream().filter(r -> r.kind() == Role.Kind.CLIENT).toList();
    }
}
