package org.spdz4j.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.Dataset;
import org.spdz4j.federated.Coordinator;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.layers.InputScaling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz fed-demo}: a federated run with every participant its own OS process on 127.0.0.1,
 * fresh keys and mutual TLS. The demo partitions the first training examples among the clients
 * ({@code --partition}), writes each client's part in its data's own layout (MNIST's digits as
 * IDX files, other images as an image folder, tabular rows as a {@code train.csv}), and starts
 * both servers (server 0 also coordinating: its round lines come to this terminal) and the clients.
 */
@Command(name = "fed-demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Federated averaging with the servers and every client a process on localhost (TLS).")
final class FedDemoCommand implements Callable<Integer> {
    @Mixin
    FedOptions fed;
    @Option(names = "--data", required = true, description = "the data folder (MNIST's IDX files, an image folder "
            + "train/ and test/, or train.csv and test.csv; docs/data.md)")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Mixin
    FedReportOptions report;
    @Option(names = "--timeout", defaultValue = "120", description = "seconds a process waits for a peer")
    int timeout;
    @Option(names = "--dir", description = "run directory for keys, data parts, config and logs (default: a new temporary one)")
    Path dir;
    @Mixin
    WanOption wan;
    @Mixin
    FedCheckpointOptions saving;

    @Override
    public Integer call() throws Exception {
        Dataset train = Dataset.load(data, true, dataOptions.layout(fed.config().network()));
        DataOptions.requireFits(fed.config().network(), train, data.toString()); // before any process starts
        Path run = Launcher.runDirectory(dir, "spdz4j-fed-demo");
        InputScaling scaling = fed.scaling(train); // the clients agree on one; the demo, which cuts every part, fits it
        FederatedTraining.Config c = fed.config();
        Coordinator.resumption(c, scaling, saving.checkpoints()); // refused here if it cannot be, before any process starts
        int[][] parts = FederatedTraining.partition(c, train);
        List<Role> roles = FederatedTraining.roles(c);
        Path config = Launcher.writeKeysAndConfig(run, roles, FedCommands.links(c.clients()));
        report.output.say("run directory " + run + " (run.yaml, client data, logs; the keys are deleted at exit)");
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", run.toString(),
                "--timeout", "" + timeout));
        common.addAll(fed.asArguments(scaling));
        common.addAll(dataOptions.asArguments()); // how the clients read their parts, and server 0 the test data
        Map<Role, Launcher.Launch> launches = new LinkedHashMap<>();
        if (c.inputCheck()) {
            launches.put(Role.DEALER, new Launcher.Launch(with(List.of("fed-dealer"), common), "dealer.log", false));
        }
        launches.put(Role.P1, new Launcher.Launch(with(List.of("fed-server", "--id", "1"), common), "P1.log", false));
        for (int k = 0; k < c.clients(); k++) {
            List<String> client = new ArrayList<>(List.of("fed-client", "--id", "" + k));
            client.addAll(writePart(run, k, train.select(parts[k])));
            launches.put(FederatedTraining.client(k), new Launcher.Launch(with(client, common), "CLIENT" + k + ".log", false,
                    true)); // a client that fails is left out; the others train on
        }
        List<String> server0 = new ArrayList<>(List.of("fed-server", "--id", "0", "--test-data", data.toAbsolutePath().toString()));
        server0.addAll(report.asArguments());
        server0.addAll(saving.asArguments());
        launches.put(Role.P0, new Launcher.Launch(with(server0, common), null, true));
        Map<Role, List<Role>> hosted = WanLinks.eachItself(launches.keySet());
        hosted.put(Role.P0, List.of(Role.P0, FederatedTraining.COORDINATOR)); // server 0 also coordinates
        try (WanLinks links = wan.start(run, config, hosted)) {
            report.output.say("links: " + wan.describe());
            return Launcher.supervise(run, WanLinks.route(links, launches), roles, dir == null);
        }
    }

    /**
     * Writes client {@code k}'s part into the run directory in its data's own layout; returns the
     * client's options that name it.
     */
    private List<String> writePart(Path run, int k, Dataset own) throws java.io.IOException {
        if (own.isIdx()) {
            Path images = run.resolve("client" + k + "-images-idx3-ubyte.gz");
            Path labels = run.resolve("client" + k + "-labels-idx1-ubyte.gz");
            own.writeImages(images);
            own.writeLabels(labels);
            return List.of("--images", images.toString(), "--labels", labels.toString());
        }
        Path folder = run.resolve("client" + k);
        own.writeTrainingSet(folder, dataOptions.labelColumn);
        return List.of("--data", folder.toString());
    }

    private static List<String> with(List<String> command, List<String> common) {
        List<String> args = new ArrayList<>(command);
        args.addAll(common);
        return args;
    }
}
