package org.spdz4j.app;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.Network;
import picocli.CommandLine.Option;

/**
 * How a command reads its {@code --data} folder besides MNIST's IDX files (docs/data.md): image
 * folders ({@code train/} and {@code test/}, a subfolder per class) converted to the network's
 * input, or {@code train.csv} and {@code test.csv} with a label column.
 */
final class DataOptions {
    @Option(names = "--label-column", defaultValue = "label", description = "CSV data: the column that holds the class")
    String labelColumn;
    @Option(names = "--no-resize", description = "image folders: refuse images whose size is not the network's input "
            + "(default: resize them)")
    boolean noResize;

    /** How the data is read for {@code network}: its input, the label column, resizing. */
    Dataset.Layout layout(Network network) {
        return new Dataset.Layout(network.input(), labelColumn, !noResize);
    }

    /**
     * Refuses data whose examples are not of the network's input shape, or whose classes are not
     * the network's outputs; {@code where} names the data.
     *
     * @throws IllegalArgumentException naming both shapes or both counts
     */
    static void requireFits(Network network, Dataset data, String where) {
        requireInputFits(network, data, where);
        int outputs = network.outputs();
        if (outputs != data.classes().size()) {
            throw new IllegalArgumentException(where + " has " + data.classes().size() + " classes ("
                    + org.spdz4j.layers.ClassNames.abbreviated(data.classes()) + ") but the network has " + outputs + " outputs: make its last layer's "
                    + "'out' " + data.classes().size());
        }
    }

    /**
     * Refuses inputs (with or without labels: a data holder's) whose examples are not of the
     * network's input shape: read as they are, they would be garbage of the right size.
     */
    static void requireInputFits(Network network, Dataset data, String where) {
        if (!data.example().equals(network.input())) {
            throw new IllegalArgumentException(where + " holds examples of shape " + data.example() + " but the network "
                    + "takes " + network.input() + (data.example().equals(Dataset.Layout.MNIST.input())
                    ? " (an IDX file holds 1 x 28 x 28 grey images: give the network input: [1, 28, 28])" : ""));
        }
    }

    /** These options for a child process. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>(List.of("--label-column", labelColumn));
        if (noResize) {
            args.add("--no-resize");
        }
        return args;
    }
}
