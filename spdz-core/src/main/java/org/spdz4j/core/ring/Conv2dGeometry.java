package org.spdz4j.core.ring;

/**
 * Geometry of a square-kernel 2-D convolution over an NCHW batch: what im2col unfolds and
 * col2im folds back. Output size is {@code (h + 2*padding - kernel) / stride + 1}.
 *
 * <pre>{@code
 * Conv2dGeometry g = new Conv2dGeometry(128, 32, 14, 14, 3, 1, 1);
 * g.columnRows();    // 288 = 32*3*3
 * g.columnCols();    // 25088 = 128*14*14
 * }</pre>
 */
public record Conv2dGeometry(int batch, int channels, int height, int width, int kernel, int stride, int padding) {

    /** Checks that the kernel fits the padded input. */
    public Conv2dGeometry {
        if (batch <= 0 || channels <= 0 || height <= 0 || width <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
            throw new IllegalArgumentException("invalid convolution geometry " + describe(batch, channels, height,
                    width, kernel, stride, padding));
        }
        if (height + 2 * padding < kernel || width + 2 * padding < kernel) {
            throw new IllegalArgumentException("kernel " + kernel + " larger than padded input "
                    + (height + 2 * padding) + "x" + (width + 2 * padding));
        }
    }

    /** Geometry of convolving {@code input} (N, C, H, W) with a square kernel. */
    public static Conv2dGeometry of(Shape input, int kernel, int stride, int padding) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("convolution input must be N,C,H,W but has shape " + input);
        }
        return new Conv2dGeometry(input.dim(0), input.dim(1), input.dim(2), input.dim(3), kernel, stride, padding);
    }

    /** Output height. */
    public int outHeight() {
        return (height + 2 * padding - kernel) / stride + 1;
    }

    /** Output width. */
    public int outWidth() {
        return (width + 2 * padding - kernel) / stride + 1;
    }

    /** Rows of the im2col matrix: channels x kernel x kernel. */
    public int columnRows() {
        return channels * kernel * kernel;
    }

    /** Columns of the im2col matrix: batch x output height x output width. */
    public int columnCols() {
        return batch * outHeight() * outWidth();
    }

    /** The input's shape (N, C, H, W). */
    public Shape inputShape() {
        return Shape.of(batch, channels, height, width);
    }

    /** The im2col matrix's shape. */
    public Shape columnShape() {
        return Shape.of(columnRows(), columnCols());
    }

    /** The output's shape (N, outChannels, OH, OW). */
    public Shape outputShape(int outChannels) {
        return Shape.of(batch, outChannels, outHeight(), outWidth());
    }

    private static String describe(int n, int c, int h, int w, int k, int s, int p) {
        return "N=" + n + " C=" + c + " H=" + h + " W=" + w + " kernel=" + k + " stride=" + s + " padding=" + p;
    }
}
