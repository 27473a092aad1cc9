package org.spdz4j.app;

import org.spdz4j.layers.Networks;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code spdz} command.
 *
 * <pre>
 * java -jar app/target/spdz.jar train --data ../shared/data/mnist
 * </pre>
 */
@Command(name = "spdz", mixinStandardHelpOptions = true, showDefaultValues = true, version = "spdz4j 0.1.0",
        description = "Secure two-party training of neural networks (SPDZ-style, Z_2^128).",
        subcommands = {TrainCommand.class, SplitTrainCommand.class, SplitBenchCommand.class, FedTrainCommand.class, PredictCommand.class, ExportCommand.class, KeygenCommand.class, DealerCommand.class,
                PartyCommand.class, DemoCommand.class, SplitDemoCommand.class, SplitCommands.Holder.class, SplitCommands.Labels.class,
                SplitCommands.Party.class, SplitCommands.Dealer.class, FedDemoCommand.class, FedCommands.Server.class,
                FedCommands.Client.class, FedCommands.Dealer.class, CompareBackendsCommand.class, ServeCommand.class,
                ClassifyCommand.class, ModelShareCommands.Share.class, ModelShareCommands.Combine.class, PredictBenchCommand.class,
                WanBenchCommand.class})
public final class Spdz {
    static {
        // the network catalogue, as every --network option's description lists it (also for picocli's doc generators)
        System.setProperty("spdz.networks", Networks.describeAll());
    }

    private Spdz() {
    }

    public static void main(String[] args) {
        ParentWatch.start(); // a demo's participant ends with its launcher
        System.exit(commandLine().execute(args));
    }

    /** The {@code spdz} command line as {@link #main} runs it: errors as one line each, exit code 1. */
    static CommandLine commandLine() {
        return new CommandLine(new Spdz()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Spdz::report);
    }

    /** One line per cause instead of a stack trace; the trace too when SPDZ_DEBUG is set. */
    private static int report(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        StringBuilder line = new StringBuilder(command.getCommandName()).append(": ");
        for (Throwable t = e; t != null; t = t.getCause()) {
            line.append(t == e ? "" : "\n  caused by: ").append(t.getMessage() != null ? t.getMessage() : t.toString());
        }
        System.err.println(line);
        if (System.getenv("SPDZ_DEBUG") != null) {
            e.printStackTrace();
        }
        return 1;
    }
}
