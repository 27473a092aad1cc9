package org.spdz4j.split;

import org.spdz4j.data.Dataset;
import org.spdz4j.data.TestData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sample-id matching of split learning: the files, the refusals, and the demo's data parts. */
class SplitDataTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void theLabelHoldersFileMatchesEachHoldersIdsWhateverTheOrder() throws IOException {
        Map<String, Integer> labels = SplitData.readLabels(file("labels.csv", "id,label\nc,7\na,1\n\"b\",3\nd,0\n"));
        int[][] y = SplitData.match(List.of(List.of("a", "b"), List.of("d", "c")), labels);
        assertArrayEquals(new int[]{1, 3}, y[0]);
        assertArrayEquals(new int[]{0, 7}, y[1]);
    }

    @Test
    void aMissingOrDuplicateIdIsRefusedNamingItAndTheHolders() {
        Map<String, Integer> labels = Map.of("a", 1, "b", 2, "c", 3);
        String missing = assertThrows(IllegalArgumentException.class,
                () -> SplitData.match(List.of(List.of("a"), List.of("b", "zz")), labels)).getMessage();
        assertEquals("HOLDER1's sample id zz (its image 1) has no label in the label holder's file", missing);
        String twice = assertThrows(IllegalArgumentException.class,
                () -> SplitData.match(List.of(List.of("a", "b", "a")), labels)).getMessage();
        assertEquals("HOLDER0 lists sample id a twice", twice);
        String shared = assertThrows(IllegalArgumentException.class,
                () -> SplitData.match(List.of(List.of("a", "b"), List.of("c", "b")), labels)).getMessage();
        assertEquals("sample id b is held by both HOLDER0 and HOLDER1", shared);
    }

    @Test
    void aMalformedLabelOrIdFileIsRefusedNamingTheRecord() throws IOException {
        String header = assertThrows(IOException.class, () -> SplitData.readLabels(file("h.csv", "name,digit\na,1\n")))
                .getMessage();
        assertTrue(header.contains("header must be 'id,label'"), header);
        String empty = assertThrows(IOException.class, () -> SplitData.readLabels(file("d.csv", "id,label\na,1\nb,\n")))
                .getMessage();
        assertTrue(empty.contains("record 2") && empty.contains("the label of b is empty"), empty);
        Map<String, Integer> twelve = SplitData.readLabels(file("n.csv", "id,label\na,1\nb,12\n"));
        assertEquals(Map.of("a", 1, "b", 12), twelve);   // whole numbers are the classes themselves
        String outputs = assertThrows(IllegalArgumentException.class, () -> SplitData.requireClasses(twelve, 10,
                Path.of("n.csv"))).getMessage();
        assertEquals("n.csv: sample b has class 12, but the network has 10 outputs (classes 0 to 9)", outputs);
        assertEquals(Map.of("a", 0, "b", 1, "c", 0),   // names: sorted, numbered from 0
                SplitData.readLabels(file("c.csv", "id,label\na,cat\nb,dog\nc,cat\n")));
        assertEquals(List.of("cat", "dog"), SplitData.readLabelFile(file("c.csv", "id,label\na,cat\nb,dog\nc,cat\n")).classes());
        assertEquals(List.of(), SplitData.readLabelFile(file("n.csv", "id,label\na,1\nb,12\n")).classes()); // numbers
        String again = assertThrows(IOException.class, () -> SplitData.readLabels(file("t.csv", "id,label\na,1\na,2\n")))
                .getMessage();
        assertTrue(again.contains("record 2") && again.contains("id a appears twice"), again);
        String fields = assertThrows(IOException.class, () -> SplitData.readLabels(file("f.csv", "id,label\na,1,9\n")))
                .getMessage();
        assertTrue(fields.contains("expected 2 fields"), fields);
        String blank = assertThrows(IOException.class, () -> SplitData.readIds(file("x.ids", "a\n\nb\n"))).getMessage();
        assertTrue(blank.contains("x.ids:2: not a sample id"), blank);
    }

    @Test
    void theDemosPartsHoldEachImageOnceWithItsIdAndTheLabelFileAllOfThem() throws IOException {
        Dataset train = TestData.rawTrain();
        SplitData.Prepared files = SplitData.prepare(dir, train, 3, 100, 1);
        Map<String, Integer> labels = SplitData.readLabels(files.labels());
        assertEquals(100, labels.size());
        for (int h = 0; h < 3; h++) {
            SplitData.HolderPart part = SplitData.readHolder(files.images().get(h), files.ids().get(h));
            int from = h * 100 / 3;
            assertEquals((h + 1) * 100 / 3 - from, part.images().size());
            for (int i = 0; i < part.images().size(); i++) {
                assertEquals(SplitData.mnistId(from + i), part.ids().get(i));
                assertEquals(train.label(from + i), labels.get(part.ids().get(i)));
            }
            Dataset expected = train.select(new int[]{from}).scaled(TestData.scaling());
            assertArrayEquals(expected.images(new int[]{0}).values(),
                    part.images().scaled(TestData.scaling()).images(new int[]{0}).values(), "the first image of part " + h);
        }
        String tooFew = assertThrows(IOException.class, () -> SplitData.readHolder(files.images().get(0), files.ids().get(2)))
                .getMessage();
        assertTrue(tooFew.contains("names 34 samples but") && tooFew.contains("holds 33 images"), tooFew);
    }
}
