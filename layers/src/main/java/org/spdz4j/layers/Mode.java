package org.spdz4j.layers;

/**
 * How a network spends communication. Both give the same results up to truncation error.
 * <ul>
 *   <li>{@code BASELINE}: generic triples; every multiplication masks both operands afresh
 *       (im2col output included), pooling is a separate layer, powers are chains of products.</li>
 *   <li>{@code OPTIMIZED}: every tensor is masked once and reused forward and backward;
 *       convolution triples on the image, pooling fused into the convolution, polynomial
 *       activations from one opening.</li>
 * </ul>
 */
public enum Mode {
    /** Fresh generic triples for every multiplication, as the seed's baseline. */
    BASELINE,
    /** Mask once, fused pooling, powers from one opening. */
    OPTIMIZED
}
