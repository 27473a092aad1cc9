package org.spdz4j.layers;

/** The refusal of a layer that runs only in plaintext segments (dropout, batch norm) on shares. */
final class PlaintextOnly {
    private PlaintextOnly() {
    }

    static UnsupportedOperationException refused(Layer layer) {
        return new UnsupportedOperationException(layer.describe() + " runs only in plaintext training (below a split, "
                + "at a federated client), not on shares");
    }
}
