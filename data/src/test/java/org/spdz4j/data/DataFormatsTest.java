package org.spdz4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.InputScaling;

/** Image folders and CSV files: what they load to, and every bad case refused naming the file. */
class DataFormatsTest {
    private static final Dataset.Layout RGB = new Dataset.Layout(Shape.of(3, 4, 4), "label", true);

    /** A solid {@code rgb} image of {@code w} x {@code h} written as PNG or JPEG (by the file's extension). */
    static void image(Path file, int w, int h, int rgb) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        String format = file.toString().endsWith(".png") ? "png" : "jpg";
        assertTrue(ImageIO.write(img, format, file.toFile()), format);
    }

    private static void folders(Path dir) throws IOException {
        image(dir.resolve("train/red/a.png"), 6, 6, 0xff0000);
        image(dir.resolve("train/red/b.png"), 8, 5, 0xff0000);
        image(dir.resolve("train/blue/c.png"), 6, 6, 0x0000ff);
        image(dir.resolve("test/blue/d.png"), 4, 4, 0x0000ff);
        image(dir.resolve("test/red/e.jpg"), 4, 4, 0xff0000);
    }

    @Test
    void anImageFolderLoadsChannelsFirstResizedWithClassesFromTheSubfolders(@TempDir Path dir) throws IOException {
        folders(dir);
        Dataset train = Dataset.load(dir, true, RGB);
        assertEquals(List.of("blue", "red"), train.classes());
        assertEquals(3, train.size());
        assertEquals(Shape.of(3, 4, 4), train.example());
        assertEquals(List.of(0, 1, 1), List.of(train.label(0), train.label(1), train.label(2)));   // by class, then name
        FloatTensor x = train.scaled(InputScaling.UNIT).images(new int[]{1, 0});
        assertEquals(Shape.of(2, 3, 4, 4), x.shape());
        double[] v = x.values();
        for (int p = 0; p < 16; p++) {   // a solid red image stays solid red when resized: R plane 1, G and B 0
            assertEquals(1.0, v[p], 0.0);
            assertEquals(0.0, v[16 + p], 0.0);
            assertEquals(0.0, v[32 + p], 0.0);
            assertEquals(1.0, v[48 + 32 + p], 0.0);   // the blue image's B plane
        }
        Dataset test = Dataset.load(dir, false, RGB);
        assertEquals(List.of(0, 1), List.of(test.label(0), test.label(1)));
        assertEquals(train.classes(), test.classes());
        Dataset grey = Dataset.load(dir, true, new Dataset.Layout(Shape.of(1, 4, 4), "label", true));
        assertEquals(Shape.of(3, 1, 4, 4), grey.scaled(InputScaling.UNIT).images(new int[]{0, 1, 2}).shape());
    }

    @Test
    void theLabelsOwnerNeverDecodesAnImage(@TempDir Path dir) throws IOException {
        folders(dir);
        Files.writeString(dir.resolve("train/red/a.png"), "not an image");
        Dataset labels = Dataset.loadLabels(dir, true, RGB);
        assertEquals(List.of(0, 1, 1), List.of(labels.label(0), labels.label(1), labels.label(2)));
        assertThrows(IllegalStateException.class, () -> labels.scaled(InputScaling.UNIT).images(new int[]{0}));
        IOException corrupt = assertThrows(IOException.class, () -> Dataset.loadInputs(dir, true, RGB));
        assertTrue(corrupt.getMessage().startsWith(dir.resolve("train/red/a.png") + " is not an image"), corrupt.getMessage());
    }

    @Test
    void badImageFoldersAreRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        folders(dir);
        IOException size = assertThrows(IOException.class,
                () -> Dataset.load(dir, true, new Dataset.Layout(Shape.of(3, 6, 6), "label", false)));
        assertTrue(size.getMessage().startsWith(dir.resolve("train/red/b.png") + " is 8 x 5 pixels, but the network takes 6 x 6"),
                size.getMessage());
        IOException shape = assertThrows(IOException.class,
                () -> Dataset.load(dir, true, new Dataset.Layout(Shape.of(10), "label", true)));
        assertTrue(shape.getMessage().contains("give it [1, height, width] (grey) or [3, height, width] (RGB)"), shape.getMessage());

        Files.writeString(dir.resolve("train/red/notes.txt"), "x");
        IOException stray = assertThrows(IOException.class, () -> Dataset.load(dir, true, RGB));
        assertTrue(stray.getMessage().startsWith(dir.resolve("train/red/notes.txt") + " is not a PNG or JPEG"), stray.getMessage());
        Files.delete(dir.resolve("train/red/notes.txt"));

        Files.createDirectories(dir.resolve("train/green"));
        IOException empty = assertThrows(IOException.class, () -> Dataset.load(dir, true, RGB));
        assertTrue(empty.getMessage().startsWith("class green has no example: " + dir.resolve("train/green")), empty.getMessage());
        Files.delete(dir.resolve("train/green"));

        image(dir.resolve("test/cyan/f.png"), 4, 4, 0x00ffff);
        IOException unknown = assertThrows(IOException.class, () -> Dataset.load(dir, false, RGB));
        assertTrue(unknown.getMessage().startsWith(dir.resolve("test/cyan") + " is a class the training folder"), unknown.getMessage());

        Path lonely = dir.resolve("one");
        Files.createDirectories(lonely.resolve("train/only"));
        IOException oneClass = assertThrows(IOException.class, () -> Dataset.load(lonely, true, RGB));
        assertTrue(oneClass.getMessage().contains("has 1 class folder(s)"), oneClass.getMessage());
    }

    /** A split-learning holder's own part: a flat folder (ids: file names) or a CSV with an id column. */
    @Test
    void aHoldersOwnPartIsNamedBySampleId(@TempDir Path dir) throws IOException {
        image(dir.resolve("mine/s2.png"), 5, 5, 0xff0000);
        image(dir.resolve("mine/s1.jpg"), 5, 5, 0x0000ff);
        Dataset.Named folder = Dataset.loadNamed(dir.resolve("mine"), RGB, "id");
        assertEquals(List.of("s1", "s2"), folder.ids());
        assertEquals(Shape.of(2, 3, 4, 4), folder.inputs().scaled(InputScaling.UNIT).images(new int[]{0, 1}).shape());
        image(dir.resolve("mine/s1.png"), 5, 5, 0x00ff00);
        IOException twice = assertThrows(IOException.class, () -> Dataset.loadNamed(dir.resolve("mine"), RGB, "id"));
        assertTrue(twice.getMessage().contains("sample id s1 names two images"), twice.getMessage());

        Path table = dir.resolve("mine.csv");
        Files.writeString(table, "x,id\n1,a\n3,b\n");
        Dataset.Named rows = Dataset.loadNamed(table, features(1), "id");
        assertEquals(List.of("a", "b"), rows.ids());
        assertArrayEquals(new double[]{-1, 1}, rows.inputs().scaled(InputScaling.UNIT).images(new int[]{0, 1}).values(), 1e-6);
        Files.writeString(table, "x,id\n1,a\n3,a\n");
        IOException again = assertThrows(IOException.class, () -> Dataset.loadNamed(table, features(1), "id"));
        assertEquals(table + " line 3: sample id 'a' is listed twice", again.getMessage());
        IOException noId = assertThrows(IOException.class, () -> Dataset.loadNamed(table, features(1), "key"));
        assertTrue(noId.getMessage().contains("has no id column 'key'") && noId.getMessage().contains("--id-column"),
                noId.getMessage());
    }

    /**
     * The demos hand each participant its part in the data's own layout: written and read back,
     * an image is the same bytes and keeps its class; features are the values written,
     * standardised by the part's own columns.
     */
    @Test
    void aPartWrittenInItsOwnLayoutReadsBackAsItWas(@TempDir Path dir) throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);   // test images only
        for (int i = 0; i < 6; i++) {
            BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
            for (int p = 0; p < 16; p++) {
                img.setRGB(p % 4, p / 4, r.nextInt(1 << 24));
            }
            Path f = dir.resolve("all/train/" + (i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "owl") + "/" + i + ".png");
            Files.createDirectories(f.getParent());
            ImageIO.write(img, "png", f.toFile());
        }
        Dataset all = Dataset.load(dir.resolve("all"), true, RGB);
        int[] part = {2, 4, 5};   // by class, then name: dog, owl, owl (no cat)
        Dataset mine = all.select(part);
        mine.writeTrainingSet(dir.resolve("part"), "label");
        Dataset back = Dataset.load(dir.resolve("part"), true, new Dataset.Layout(RGB.input(), "label", false));
        assertEquals(List.of("dog", "owl"), back.classes());
        Dataset numbered = back.inClasses(all.classes());
        assertEquals(all.classes(), numbered.classes());
        int[] each = {0, 1, 2};
        assertArrayEquals(mine.scaled(InputScaling.UNIT).images(each).values(), back.scaled(InputScaling.UNIT).images(each).values());
        assertArrayEquals(mine.scaled(InputScaling.UNIT).oneHot(each).values(), numbered.oneHot(each).values());
        mine.writeNamed(dir.resolve("holder"), List.of("s9", "s1", "s5"), "id");
        Dataset.Named named = Dataset.loadNamed(dir.resolve("holder"), RGB, "id");
        assertEquals(List.of("s1", "s5", "s9"), named.ids());   // in name order
        assertArrayEquals(mine.scaled(InputScaling.UNIT).images(new int[]{1, 2, 0}).values(),
                named.inputs().scaled(InputScaling.UNIT).images(each).values());

        csv(dir, "a,species,b\n1,10,5\n3,2,7\n6,10,5\n4,10,2\n", "a,species,b\n1,2,1\n");
        Dataset table = Dataset.load(dir, true, features(2));
        Dataset rows = table.select(new int[]{0, 1, 3});
        rows.writeTrainingSet(dir.resolve("rows"), "kind");
        assertTrue(Files.readString(dir.resolve("rows/train.csv")).startsWith("a,b,kind"), "the file's own column names");
        Dataset read = Dataset.load(dir.resolve("rows"), true, new Dataset.Layout(Shape.of(2), "kind", true));
        assertEquals(List.of("2", "10"), read.classes());
        assertEquals(List.of(1, 0, 1), List.of(read.label(0), read.label(1), read.label(2)));
        double[] written = rows.scaled(InputScaling.UNIT).images(new int[]{0, 1, 2}).values();
        double[] again = read.scaled(InputScaling.UNIT).images(new int[]{0, 1, 2}).values();
        for (int j = 0; j < 2; j++) {   // each column standardised again by the part's own mean and deviation
            double mean = (written[j] + written[2 + j] + written[4 + j]) / 3;
            double var = ((written[j] - mean) * (written[j] - mean) + (written[2 + j] - mean) * (written[2 + j] - mean)
                    + (written[4 + j] - mean) * (written[4 + j] - mean)) / 3;
            for (int i = 0; i < 3; i++) {
                assertEquals((written[2 * i + j] - mean) / Math.sqrt(var), again[2 * i + j], 1e-5);
            }
        }
        rows.writeNamed(dir.resolve("rows.csv"), List.of("a", "b", "c"), "key");
        Dataset.Named holder = Dataset.loadNamed(dir.resolve("rows.csv"), features(2), "key");
        assertEquals(List.of("a", "b", "c"), holder.ids());
        assertArrayEquals(again, holder.inputs().scaled(InputScaling.UNIT).images(new int[]{0, 1, 2}).values(), 1e-6);
    }

    /** A part's classes numbered by the run's, by name; a class the run does not have is refused. */
    @Test
    void aPartsClassesAreNumberedByTheRunsByName(@TempDir Path dir) throws IOException {
        csv(dir, "a,species,b\n1,dog,5\n3,owl,7\n", "a,species,b\n1,dog,1\n");
        Dataset part = Dataset.load(dir, true, features(2));
        assertEquals(List.of("dog", "owl"), part.classes());
        Dataset numbered = part.inClasses(List.of("cat", "owl", "dog"));
        assertEquals(List.of(2, 1), List.of(numbered.label(0), numbered.label(1)));
        assertArrayEquals(new double[]{0, 0, 1, 0, 1, 0}, numbered.oneHot(new int[]{0, 1}).values());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> part.inClasses(List.of("cat", "dog")));
        assertEquals("class owl of this data is not among (cat, dog)", other.getMessage());
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> part.inClasses(List.of("cat", "dog"), "CLIENT3", "the run's classes"));
        assertEquals("CLIENT3: class owl of this data is not among (cat, dog), the run's classes", named.getMessage());
        org.junit.jupiter.api.Assertions.assertSame(part, part.inClasses(List.of()), "no names given: as they are");
        org.junit.jupiter.api.Assertions.assertSame(part, part.standardisedAs(null), "no statistics given: as they are");
        // one participant's part may hold a single class (a whole training set may not: a wrong column or folder)
        csv(dir, "a,species,b\n1,owl,5\n3,owl,7\n", "a,species,b\n1,owl,1\n");
        IOException alone = assertThrows(IOException.class, () -> Dataset.load(dir, true, features(2)));
        assertTrue(alone.getMessage().contains("a classifier needs at least two classes"), alone.getMessage());
        Dataset owls = Dataset.load(dir, true, features(2).asPart()).inClasses(List.of("cat", "dog", "owl"));
        assertEquals(List.of(2, 2), List.of(owls.label(0), owls.label(1)));
        image(dir.resolve("folder/train/owl/a.png"), 4, 4, 0xff0000);
        image(dir.resolve("folder/test/owl/b.png"), 4, 4, 0xff0000);
        assertThrows(IOException.class, () -> Dataset.load(dir.resolve("folder"), true, RGB));
        assertEquals(List.of("owl"), Dataset.load(dir.resolve("folder"), true, RGB.asPart()).classes());
    }

    /** Dirichlet partitions spread every class, not only the first ten (samples of classes 10 and 11 were dropped). */
    @Test
    void aDirichletPartitionKeepsEverySampleOfTwelveClasses() {
        int[] labels = new int[240];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 12;
        }
        int[][] parts = Partitions.of("dirichlet:0.5", labels, 4, 3);
        int[] all = java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).sorted().toArray();
        assertArrayEquals(java.util.stream.IntStream.range(0, 240).toArray(), all);
    }

    private static void csv(Path dir, String train, String test) throws IOException {
        Files.writeString(dir.resolve("train.csv"), train);
        Files.writeString(dir.resolve("test.csv"), test);
    }

    private static Dataset.Layout features(int n) {
        return new Dataset.Layout(Shape.of(n), "species", true);
    }

    @Test
    void aCsvIsStandardisedByTheTrainingFilesColumnsWithClassesFromTheLabelValues(@TempDir Path dir) throws IOException {
        csv(dir, "a,species,b\n1,10,5\n3,2,5\n5,10,5\n", "b,species,a\n5,2,7\n");
        Dataset train = Dataset.load(dir, true, features(2));
        assertEquals(List.of("2", "10"), train.classes());   // numeric order, not "10" < "2"
        assertEquals(List.of(1, 0, 1), List.of(train.label(0), train.label(1), train.label(2)));
        double sd = Math.sqrt(8.0 / 3);   // column a: mean 3; column b is constant: only centred
        assertArrayEquals(new double[]{-2 / sd, 0, 0, 0, 2 / sd, 0},
                train.scaled(InputScaling.UNIT).images(new int[]{0, 1, 2}).values(), 1e-6);
        Dataset test = Dataset.load(dir, false, features(2));   // columns by name, scaled by the training file's moments
        assertArrayEquals(new double[]{4 / sd, 0}, test.scaled(InputScaling.UNIT).images(new int[]{0}).values(), 1e-6);
        assertEquals(0, test.label(0));
        assertEquals(Shape.of(2), test.example());
        Dataset labelsOnly = Dataset.loadLabels(dir, true, features(2));
        assertEquals(1, labelsOnly.label(2));
    }

    @Test
    void badCsvFilesAreRefusedNamingTheFileLineAndColumn(@TempDir Path dir) throws IOException {
        String good = "a,b,species\n1,2,x\n3,4,y\n";
        csv(dir, "a,b,species\n1,2,x\n3,oops,y\n", good);
        IOException nan = assertThrows(IOException.class, () -> Dataset.load(dir, true, features(2)));
        assertEquals(dir.resolve("train.csv") + " line 3, column b: 'oops' is not a finite number", nan.getMessage());

        csv(dir, good, "a,b,kind\n1,2,x\n");
        IOException column = assertThrows(IOException.class, () -> Dataset.load(dir, false, features(2)));
        assertTrue(column.getMessage().startsWith(dir.resolve("test.csv") + " has no label column 'species' (its columns: a, b, kind"),
                column.getMessage());

        csv(dir, good, "a,b,species\n1,2,z\n");
        IOException label = assertThrows(IOException.class, () -> Dataset.load(dir, false, features(2)));
        assertEquals(dir.resolve("test.csv") + " line 2: label 'z' is not a class of " + dir.resolve("train.csv") + " (x, y)",
                label.getMessage());

        IOException width = assertThrows(IOException.class, () -> Dataset.load(dir, true, features(3)));
        assertTrue(width.getMessage().contains("has 2 feature columns besides 'species', but the network's input takes 3"),
                width.getMessage());

        csv(dir, "a,b,species\n1,2,x\n1,2,x\n", good);
        IOException oneClass = assertThrows(IOException.class, () -> Dataset.load(dir, true, features(2)));
        assertTrue(oneClass.getMessage().contains("1 label value(s)"), oneClass.getMessage());

        csv(dir, "a,b,species\n", good);
        IOException empty = assertThrows(IOException.class, () -> Dataset.load(dir, true, features(2)));
        assertTrue(empty.getMessage().contains("train.csv has"), empty.getMessage());

        IOException images = assertThrows(IOException.class, () -> Dataset.load(dir, true, RGB));
        assertTrue(images.getMessage().contains("give it [features]"), images.getMessage());

        Path nothing = dir.resolve("nothing");
        Files.createDirectories(nothing);
        IOException none = assertThrows(IOException.class, () -> Dataset.load(nothing, true, features(2)));
        assertTrue(none.getMessage().startsWith("no data in "), none.getMessage());
    }
}
