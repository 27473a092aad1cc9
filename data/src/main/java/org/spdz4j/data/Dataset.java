package org.spdz4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.ClassNames;
import org.spdz4j.layers.FeatureScaling;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.InputScaling;

/**
 * Labelled examples in memory: images (bytes, channels x height x width, as MNIST's IDX files,
 * image folders or a data holder's file give them) or tabular features (a CSV's numeric columns,
 * standardised by the owner's training statistics), each with a class. One party may hold only
 * the inputs ({@link #loadInputs}) or only the labels ({@link #loadLabels}), as in MPC training
 * where P0 owns the images and P1 the labels.
 *
 * <p>{@code dir} holds one of three layouts (docs/data.md): MNIST's IDX files
 * ({@code train-images-idx3-ubyte[.gz]}, ...), an image folder per set ({@code train/} and
 * {@code test/}, one subfolder per class, PNG or JPEG, converted to the network's channels and
 * resized to its input), or a CSV per set ({@code train.csv} and {@code test.csv}, numeric
 * feature columns and a label column). Bad data is refused before anything trains, naming the
 * file (and line or image).
 *
 * <pre>{@code
 * Dataset train = Dataset.load(Path.of("data/mnist"), true);
 * InputScaling s = train.fitScaling(train.size());     // the owner's pixels: mean 0, sd 1
 * FloatTensor x = train.scaled(s).images(new int[]{0, 1, 2});   // (3, 1, 28, 28)
 * Dataset cats = Dataset.load(Path.of("pets"), true, Dataset.Layout.of(Shape.of(3, 32, 32)));
 * }</pre>
 */
public final class Dataset {
    private static final Shape MNIST_IMAGE = Shape.of(1, 28, 28);
    private final byte[] pixels;     // images: bytes 0-255; null for features or for labels only
    private final float[] features;  // tabular: standardised values; null for images or for labels only
    private final short[] labels;    // class indices; null for inputs only
    private final int size;
    private final Shape example;     // one example's shape
    private final List<String> classes;
    private final InputScaling scaling; // null until the owner chose one
    private final FeatureScaling standardised; // tabular inputs: how each column was standardised; else null

    private Dataset(byte[] pixels, float[] features, short[] labels, int size, Shape example, List<String> classes,
                    InputScaling scaling, FeatureScaling standardised) {
        this.pixels = pixels;
        this.features = features;
        this.labels = labels;
        this.size = size;
        this.example = example;
        this.classes = classes;
        this.scaling = scaling;
        this.standardised = standardised;
    }

    /** Images (bytes) or labels of {@code size} examples shaped {@code example}, with {@code classes}. */
    static Dataset ofImages(byte[] pixels, short[] labels, int size, Shape example, List<String> classes) {
        return new Dataset(pixels, null, labels, size, example, classes, null, null);
    }

    /**
     * Tabular features (standardised as {@code standardised} says; null for labels only) or labels
     * of {@code size} examples of {@code features} values.
     */
    static Dataset ofFeatures(float[] values, short[] labels, int size, int features, List<String> classes,
                              FeatureScaling standardised) {
        return new Dataset(null, values, labels, size, Shape.of(features), classes, null, standardised);
    }

    /**
     * How a data set's examples are read: the network's input for one example (images are
     * converted to its channels and resized to its height and width; a CSV must have that many
     * feature columns) and the CSV's label column.
     *
     * @param input       one example's shape: (channels, height, width) or (features)
     * @param labelColumn the CSV column that holds the class
     * @param resize      whether images of another size are resized (else refused)
     * @param part        whether the data is one participant's part of a run's, which may hold a
     *                    single class (a federated client's, numbered by the run's classes); a
     *                    whole training set of one class is refused (a wrong folder or column)
     */
    public record Layout(Shape input, String labelColumn, boolean resize, boolean part) {
        /** MNIST digits: (1, 28, 28), a CSV's column "label", images resized. */
        public static final Layout MNIST = of(MNIST_IMAGE);

        /** Examples of shape {@code input} with the defaults: a CSV's column "label", images resized. */
        public static Layout of(Shape input) {
            return new Layout(input, "label", true);
        }

        public Layout {
            java.util.Objects.requireNonNull(input, "input");
            java.util.Objects.requireNonNull(labelColumn, "labelColumn");
        }

        /** A whole data set's layout. */
        public Layout(Shape input, String labelColumn, boolean resize) {
            this(input, labelColumn, resize, false);
        }

        /** This layout for one participant's part, which may hold a single class. */
        public Layout asPart() {
            return new Layout(input, labelColumn, resize, true);
        }

        /** The fewest classes a training set of this layout must hold. */
        int fewestClasses() {
            return part ? 1 : 2;
        }
    }

    /** The training set or the test set from {@code dir} (MNIST's IDX files, see {@link #load(Path, boolean, Layout)}). */
    public static Dataset load(Path dir, boolean train) throws IOException {
        return load(dir, train, Layout.MNIST);
    }

    /**
     * The training set ({@code train}) or the test set from {@code dir}, in whichever of the three
     * layouts it holds; images and CSV rows read as {@code layout} says.
     *
     * @throws IOException naming the file (and line or image) that is missing, unreadable or wrong
     */
    public static Dataset load(Path dir, boolean train, Layout layout) throws IOException {
        return load(dir, train, layout, true, true);
    }

    /** Only the inputs (images or features): what their owner P0 has. */
    public static Dataset loadInputs(Path dir, boolean train, Layout layout) throws IOException {
        return load(dir, train, layout, true, false);
    }

    /** Only the labels: what their owner P1 has; images are not decoded, CSV features not parsed. */
    public static Dataset loadLabels(Path dir, boolean train, Layout layout) throws IOException {
        return load(dir, train, layout, false, true);
    }

    private static Dataset load(Path dir, boolean train, Layout layout, boolean inputs, boolean labels) throws IOException {
        if (Files.isDirectory(dir.resolve("train")) || Files.isDirectory(dir.resolve("test"))) {
            return ImageFolder.load(dir, train, layout, inputs, labels);
        }
        if (Files.isRegularFile(dir.resolve("train.csv")) || Files.isRegularFile(dir.resolve("test.csv"))) {
            return CsvTable.load(dir, train, layout, inputs, labels);
        }
        if (Idx.present(dir)) {
            if (!layout.input().equals(MNIST_IMAGE)) {
                throw new IOException(dir + " holds MNIST's IDX files (1 x 28 x 28 images) but the network takes "
                        + layout.input() + ": give a network whose input is [1, 28, 28]");
            }
            return Idx.load(dir, train, inputs, labels);
        }
        throw new IOException("no data in " + dir.toAbsolutePath() + ": MNIST's train-images-idx3-ubyte[.gz] not found, "
                + "nor the image folders train/ and test/, nor train.csv and test.csv (docs/data.md; README: how to obtain MNIST)");
    }

    /**
     * Inputs named by sample id, without labels: a split-learning data holder's own part.
     *
     * @param ids    the id of each example, in order
     * @param inputs the examples' inputs
     */
    public record Named(List<String> ids, Dataset inputs) {
        public Named {
            ids = List.copyOf(ids);
            if (ids.size() != inputs.size()) {
                throw new IllegalArgumentException(ids.size() + " ids for " + inputs.size() + " examples");
            }
        }
    }

    /**
     * A data holder's own inputs named by sample id: a flat folder of images (each one's id its
     * file name without the extension, in name order; converted and resized as {@code layout}
     * says), or a CSV file with the column {@code idColumn} and the feature columns (standardised
     * by this file's own statistics).
     *
     * @throws IOException naming the file (and line or image) that is wrong
     */
    public static Named loadNamed(Path source, Layout layout, String idColumn) throws IOException {
        if (Files.isDirectory(source)) {
            return ImageFolder.loadNamed(source, layout.input(), layout.resize());
        }
        if (source.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv")) {
            return CsvTable.loadNamed(source, layout.input(), idColumn);
        }
        throw new IOException(source + " is neither a folder of images nor a .csv file");
    }

    /** The images of one IDX image file (gzipped or not): a data holder's own file. */
    public static Dataset readImages(Path file) throws IOException {
        return Idx.readImages(file);
    }

    /** Images and labels from one IDX file each (a federated client's own part), refused unless they count alike. */
    public static Dataset readLabeled(Path images, Path labels) throws IOException {
        return Idx.readLabeled(images, labels);
    }

    /** Writes these single-channel images as a gzipped IDX image file that {@link #readImages} reads. */
    public void writeImages(Path file) throws IOException {
        Idx.writeImages(file, pixels(), size, example);
    }

    /** Writes these labels as a gzipped IDX label file that {@link #readLabeled} reads. */
    public void writeLabels(Path file) throws IOException {
        Idx.writeLabels(file, labels(), size);
    }

    /** Whether these are MNIST's digits (1 x 28 x 28 grey images of the classes 0 to 9): what IDX files hold. */
    public boolean isIdx() {
        return pixels != null && example.equals(MNIST_IMAGE) && (labels == null || classes.equals(Idx.DIGITS));
    }

    /**
     * Writes these labelled examples as a training set in their own layout under {@code dir}, for
     * a participant that reads its own part with {@link #load}: images as an image folder
     * ({@code dir/train/CLASS/000017.png}, lossless, at their own size, only the classes present),
     * tabular features as {@code dir/train.csv} (their columns as their file named them, their
     * values as it held them, then {@code labelColumn} with the class names). Read back, an image
     * is the same bytes, and a row the same values (to a float's precision).
     *
     * @throws IOException where a file cannot be written
     */
    public void writeTrainingSet(Path dir, String labelColumn) throws IOException {
        short[] lb = labels();
        if (pixels != null) {
            ImageFolder.writeTrainingSet(dir.resolve("train"), pixels(), example, size, i -> classes.get(lb[i]));
        } else {
            CsvTable.write(dir.resolve("train.csv"), rawFeatures(), columns(), size, labelColumn, i -> classes.get(lb[i]));
        }
    }

    /**
     * Writes these inputs as a data holder's own part named by {@code ids}, which {@link #loadNamed}
     * reads back: images as a flat folder {@code target} of PNG files named by id, tabular features
     * as the CSV file {@code target} with the column {@code idColumn} first.
     *
     * @throws IOException where a file cannot be written
     */
    public void writeNamed(Path target, List<String> ids, String idColumn) throws IOException {
        if (ids.size() != size) {
            throw new IllegalArgumentException(ids.size() + " ids for " + size + " examples");
        }
        if (pixels != null) {
            ImageFolder.writeNamed(target, pixels, example, ids);
        } else {
            CsvTable.writeNamed(target, rawFeatures(), columns(), size, idColumn, ids);
        }
    }

    /**
     * These examples with their labels numbered by {@code runClasses}, a run's or a model's class
     * names in its output order, found by name: a participant whose data holds some of the run's classes
     * only (a client's part), or names them in another order, trains each example on the right
     * output. A class not among them is refused, naming it: numbered by this set's own order it
     * would train another output, silently. No names given (an unnamed model's): as they are.
     *
     * @throws IllegalArgumentException naming the class and the run's classes
     */
    public Dataset inClasses(List<String> runClasses) {
        return inClasses(runClasses, null, null);
    }

    /**
     * As {@link #inClasses(List)}, a refusal naming {@code where} the data is (first) and
     * {@code whose} classes {@code runClasses} are (last); either null to leave it out.
     */
    public Dataset inClasses(List<String> runClasses, String where, String whose) {
        if (runClasses.isEmpty() || classes.equals(runClasses)) {
            return this;
        }
        short[] number = new short[classes.size()];
        for (int k = 0; k < classes.size(); k++) {
            int at = runClasses.indexOf(classes.get(k));
            if (at < 0) {
                throw new IllegalArgumentException((where == null ? "" : where + ": ") + "class " + classes.get(k)
                        + " of this data is not among (" + ClassNames.abbreviated(runClasses) + ")"
                        + (whose == null ? "" : ", " + whose));
            }
            number[k] = (short) at;
        }
        short[] lb = null;
        if (labels != null) {
            lb = new short[size];
            for (int i = 0; i < size; i++) {
                lb[i] = number[labels[i]];
            }
        }
        return new Dataset(pixels, features, lb, size, example, List.copyOf(runClasses), scaling, standardised);
    }

    /**
     * How this set's tabular features were standardised (each column's name, mean and standard
     * deviation over the training file); null for images, or where only the labels were read.
     */
    public FeatureScaling featureScaling() {
        return standardised;
    }

    /**
     * These tabular examples standardised as {@code model} says (a saved model's training
     * statistics) instead of as they were read: each column found by name, its raw values restored
     * and centred and scaled by the model's mean and deviation. Predicting with the statistics of
     * whatever training file sits beside a test file would scale the rows otherwise, unseen.
     * Where either has no statistics (images, labels only, or {@code model} null: none stated), as
     * they are.
     *
     * @throws IllegalArgumentException where the columns are not the model's, naming both
     */
    public Dataset standardisedAs(FeatureScaling model) {
        if (model == null || standardised == null || features == null || standardised.sameAs(model)) {
            return this; // nothing to scale by, or scaled so already: not a bit changed
        }
        List<String> mine = standardised.columns();
        if (!new java.util.HashSet<>(mine).equals(new java.util.HashSet<>(model.columns()))) {
            throw new IllegalArgumentException("the data has the feature columns " + mine + " but the statistics are of "
                    + model.columns());
        }
        int n = mine.size();
        double[] myMean = standardised.mean();
        double[] mySd = standardised.sd();
        double[] mean = model.mean();
        double[] sd = model.sd();
        float[] v = new float[features.length];
        for (int j = 0; j < n; j++) {
            int from = mine.indexOf(model.columns().get(j)); // the model's column j is this set's column 'from'
            for (int i = 0; i < size; i++) {
                double raw = features[i * n + from] * mySd[from] + myMean[from];
                v[i * n + j] = (float) ((raw - mean[j]) / sd[j]);
            }
        }
        return new Dataset(null, v, labels, size, example, classes, scaling, model);
    }

    /** Samples {@code indices} of this set, in that order (inputs, labels, whichever it holds, and its scaling). */
    public Dataset select(int[] indices) {
        int plane = example.size();
        byte[] px = pixels == null ? null : new byte[indices.length * plane];
        float[] fs = features == null ? null : new float[indices.length * plane];
        short[] lb = labels == null ? null : new short[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (px != null) {
                System.arraycopy(pixels, indices[i] * plane, px, i * plane, plane);
            }
            if (fs != null) {
                System.arraycopy(features, indices[i] * plane, fs, i * plane, plane);
            }
            if (lb != null) {
                lb[i] = labels[indices[i]];
            }
        }
        return new Dataset(px, fs, lb, indices.length, example, classes, scaling, standardised);
    }

    /** The number of examples. */
    public int size() {
        return size;
    }

    /** One example's shape: (channels, height, width) for images, (features) for tabular data. */
    public Shape example() {
        return example;
    }

    /** The classes' names, in class-index order (a folder's subfolders or a CSV's label values, sorted; MNIST's digits). */
    public List<String> classes() {
        return classes;
    }

    /** The class of example {@code i}. */
    public int label(int i) {
        return labels()[i];
    }

    private short[] labels() {
        if (labels == null) {
            throw new IllegalStateException("this party holds the inputs only, not the labels");
        }
        return labels;
    }

    private byte[] pixels() {
        if (pixels == null) {
            throw new IllegalStateException(features != null ? "these are tabular features, not images"
                    : "this party holds the labels only, not the inputs");
        }
        return pixels;
    }

    /** The features as they were in their file (the standardisation undone), or as they are where it is not known. */
    private float[] rawFeatures() {
        float[] v = features().clone();
        if (standardised != null) {
            int n = example.size();
            double[] mean = standardised.mean();
            double[] sd = standardised.sd();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] * sd[i % n] + mean[i % n]);
            }
        }
        return v;
    }

    /** The feature columns' names: their file's, or {@code x1 ... xn} where they are not known. */
    private List<String> columns() {
        return standardised != null ? standardised.columns()
                : java.util.stream.IntStream.rangeClosed(1, example.size()).mapToObj(j -> "x" + j).toList();
    }

    private float[] features() {
        if (features == null) {
            throw new IllegalStateException(pixels != null ? "these are images, not tabular features"
                    : "this party holds the labels only, not the inputs");
        }
        return features;
    }

    /** Whether this set holds its examples' inputs (not only their labels). */
    private void requireInputs() {
        if (pixels == null && features == null) {
            throw new IllegalStateException("this party holds the labels only, not the inputs");
        }
    }

    /**
     * The scaling to mean 0 and standard deviation 1 of the inputs of the first {@code count}
     * examples (pixels / 255, or the features): what their owner computes from its own training data.
     */
    public InputScaling fitScaling(int count) {
        requireInputs();
        long n = (long) Math.min(count, size) * example.size();
        double sum = 0;
        double squares = 0;
        if (features != null) {
            for (int i = 0; i < n; i++) {
                sum += features[i];
                squares += (double) features[i] * features[i];
            }
            return InputScaling.fromMoments(n, sum, squares);
        }
        long[] histogram = new long[256];
        for (int i = 0; i < n; i++) {
            histogram[pixels[i] & 0xff]++;
        }
        for (int level = 0; level < 256; level++) {
            double v = level / 255.0;
            sum += histogram[level] * v;
            squares += histogram[level] * v * v;
        }
        return InputScaling.fromMoments(n, sum, squares);
    }

    /** How many examples a run uses: the first {@code requested} of {@code available}, 0 meaning all. */
    public static int imagesUsed(int requested, int available) {
        return requested == 0 ? available : Math.min(requested, available);
    }

    /**
     * The training set and the test set from {@code dir}, both scaled by what {@code choose}
     * picks from the training set (the inputs' owner's choice).
     */
    public static Scaled loadScaled(Path dir, Layout layout, java.util.function.Function<Dataset, InputScaling> choose)
            throws IOException {
        Dataset train = load(dir, true, layout);
        InputScaling s = choose.apply(train);
        return new Scaled(train.scaled(s), load(dir, false, layout).scaled(s), s);
    }

    /** A training and a test set scaled alike. */
    public record Scaled(Dataset train, Dataset test, InputScaling scaling) {
    }

    /** The scaling {@link #images} applies (see {@link #scaled}), or null before one is chosen. */
    public InputScaling scaling() {
        return scaling;
    }

    /** These examples with {@code s} applied by {@link #images}. */
    public Dataset scaled(InputScaling s) {
        return new Dataset(pixels, features, labels, size, example, classes, s, standardised);
    }

    /** These images with each pixel byte replaced by {@code f} of it: other datasets for experiments. */
    public Dataset mapPixels(java.util.function.IntUnaryOperator f) {
        byte[] px = pixels().clone();
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) f.applyAsInt(px[i] & 0xff);
        }
        return new Dataset(px, features, labels, size, example, classes, scaling, standardised);
    }

    /** The inputs of examples {@code indices}, scaled as {@link #scaled} chose, as (n, channels, height, width) or (n, features). */
    public FloatTensor images(int[] indices) {
        requireInputs();
        if (scaling == null) {
            throw new IllegalStateException("no input scaling chosen for these examples (Dataset.scaled)");
        }
        int plane = example.size();
        double[] v = new double[indices.length * plane];
        for (int i = 0; i < indices.length; i++) {
            int from = indices[i] * plane;
            for (int p = 0; p < plane; p++) {
                double raw = pixels != null ? (pixels[from + p] & 0xff) / 255.0 : features[from + p];
                v[i * plane + p] = scaling.apply(raw);
            }
        }
        int[] dims = new int[example.rank() + 1];
        dims[0] = indices.length;
        System.arraycopy(example.dims(), 0, dims, 1, example.rank());
        return new FloatTensor(Shape.of(dims), v);
    }

    /** One-hot labels of {@code indices}, (n, classes). */
    public FloatTensor oneHot(int[] indices) {
        short[] lb = labels();
        int k = classes.size();
        double[] v = new double[indices.length * k];
        for (int i = 0; i < indices.length; i++) {
            v[i * k + lb[indices[i]]] = 1;
        }
        return new FloatTensor(Shape.of(indices.length, k), v);
    }
}
