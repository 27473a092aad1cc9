package org.spdz4j.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spdz} command.
 *
 * <pre>
 * java -jar app/target/spdz.jar train --data ../shared/data/mnist
 * </pre>
 */
@Command(name = "spdz", mixinStandardHelpOptions = true, version = "spdz4j 0.1.0",
        description = "Secure two-party training of neural networks (SPDZ-style, Z_2^128).",
        subcommands = {TrainCommand.class, PredictCommand.class, KeygenCommand.class, DealerCommand.class,
                PartyCommand.class, DemoCommand.class})
public final class Spdz {
    private Spdz() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Spdz()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
