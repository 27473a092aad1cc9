package org.spdz4j.layers;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/**
 * One compute party's share of a model that is never revealed: what {@code --keep-shared} and
 * {@code spdz share-model} write and {@code spdz serve} reads. The two parties' files carry the
 * same public header (the model's id, the network, the input scaling, the fixed-point format,
 * the classes' names where the model has them);
 * the id, drawn afresh for each model, lets the parties refuse to serve two halves of different
 * models. Format (big-endian):
 * <pre>
 *   8 bytes   magic "SPDZ4JS2" ("SPDZ4JS1": the same without the class names, read as unnamed)
 *   byte      the party: 0 (P0) or 1 (P1)
 *   16 bytes  the model's id
 *   UTF       the network's canonical description ({@link Network#describe()})
 *   2 doubles the input scaling's mean and standard deviation ({@link InputScaling})
 *   int       fractional bits of the fixed-point encoding
 *   int       number of parameter tensors, then for each: int size, size x (hi, lo) longs
 *   int       number of class names (0: unnamed, or the network's outputs), then each as UTF
 *   int       CRC32 of every byte before it
 * </pre>
 * Written owner-only through an exclusive temporary file and an atomic rename; a file that others
 * may read is refused.
 *
 * <pre>{@code
 * SharedModel[] halves = SharedModel.split(ModelFile.read(Path.of("m.spdz")), FixedPoint.DEFAULT);
 * halves[0].write(Path.of("P0.share"));                 // hand each file to its party
 * SharedModel mine = SharedModel.read(Path.of("P0.share"), Role.P0);
 * }</pre>
 *
 * @param party      whose share this is
 * @param id         the model's id (16 bytes, the same in both halves)
 * @param network    the architecture (public)
 * @param scaling    how raw inputs in [0, 1] become network inputs (public to both parties and to clients)
 * @param fixedPoint the encoding of the shares
 * @param shares     this party's share of each parameter tensor, in {@link FloatModel#params()} order
 * @param classes    the class of each output, by name, in order (public); empty where not named
 */
public record SharedModel(Role party, byte[] id, Network network, InputScaling scaling, FixedPoint fixedPoint,
                          List<Ring128Tensor> shares, List<String> classes) {
    private static final byte[] MAGIC = {'S', 'P', 'D', 'Z', '4', 'J', 'S', '2'};
    private static final byte[] MAGIC_WITHOUT_CLASSES = {'S', 'P', 'D', 'Z', '4', 'J', 'S', '1'};
    /** Bytes of a model's id. */
    public static final int ID_BYTES = 16;

    public SharedModel {
        if (!party.isComputeParty()) {
            throw new IllegalArgumentException("a model share belongs to P0 or P1, not " + party);
        }
        if (id.length != ID_BYTES) {
            throw new IllegalArgumentException("a model id is " + ID_BYTES + " bytes, got " + id.length);
        }
        id = id.clone();
        shares = List.copyOf(shares);
        classes = ClassNames.check(classes, network.outputs());
    }

    /** A share of a model whose outputs' classes are not named. */
    public SharedModel(Role party, byte[] id, Network network, InputScaling scaling, FixedPoint fixedPoint,
                       List<Ring128Tensor> shares) {
        this(party, id, network, scaling, fixedPoint, shares, List.of());
    }

    /** This share with its outputs' classes named {@code names} (public: the training data's). */
    public SharedModel withClasses(List<String> names) {
        return new SharedModel(party, id, network, scaling, fixedPoint, shares, names);
    }

    /** A fresh random model id. */
    public static byte[] freshId() {
        return Arrays.copyOf(AesCtrPrg.freshSeed(), ID_BYTES);
    }

    /** The id as 32 hex digits. */
    public String idHex() {
        return HexFormat.of().formatHex(id);
    }

    /** The public header both parties must hold alike: id, network, scaling, format and classes (no share). */
    public String header() {
        return "model " + idHex() + " " + network.describe() + " scaling " + scaling + " f=" + fixedPoint.fractionalBits()
                + (classes.isEmpty() ? "" : " classes " + ClassNames.describe(classes));
    }

    /**
     * Shares a revealed model's parameters between P0 and P1: P0's share is uniformly random (a
     * fresh cryptographic PRG), P1's the encoded value minus it; both get a fresh id.
     */
    public static SharedModel[] split(Network network, InputScaling scaling, List<double[]> params, FixedPoint fp) {
        byte[] id = freshId();
        AesCtrPrg prg = new AesCtrPrg(AesCtrPrg.freshSeed());
        List<Ring128Tensor> s0 = new ArrayList<>();
        List<Ring128Tensor> s1 = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Shape shape = Shape.of(params.get(i).length);
            Ring128Tensor value = fp.encode(shape, params.get(i));
            Ring128Tensor r = prg.tensor(shape, i, 0);
            s0.add(r);
            s1.add(value.sub(r));
        }
        return new SharedModel[]{new SharedModel(Role.P0, id, network, scaling, fp, s0),
                new SharedModel(Role.P1, id, network, scaling, fp, s1)};
    }

    /** As {@link #split(Network, InputScaling, List, FixedPoint)} for a model file, its classes' names kept. */
    public static SharedModel[] split(ModelFile model, FixedPoint fp) {
        SharedModel[] halves = split(model.network(), model.scaling(), model.params(), fp);
        return new SharedModel[]{halves[0].withClasses(model.classes()), halves[1].withClasses(model.classes())};
    }

    /**
     * The model both halves share, decoded: what a model owner holding both files reconstructs.
     * Refuses two halves of different models, or two of the same party.
     */
    public static ModelFile combine(SharedModel a, SharedModel b) {
        if (a.party.equals(b.party)) {
            throw new IllegalArgumentException("both shares are " + a.party + "'s: combine P0's with P1's");
        }
        if (!a.header().equals(b.header())) {
            throw new IllegalArgumentException("the shares are of different models: " + a.party + " has " + a.header()
                    + ", " + b.party + " has " + b.header());
        }
        List<double[]> params = new ArrayList<>();
        for (int i = 0; i < a.shares.size(); i++) {
            params.add(a.fixedPoint.decode(a.shares.get(i).add(b.shares.get(i))));
        }
        return new ModelFile(a.network, a.scaling, params, a.classes);
    }

    /** Writes this share to {@code file}: owner-only, through an exclusive temporary file and a rename. */
    public void write(Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeByte(party.partyIndex());
        out.write(id);
        out.writeUTF(network.describe());
        out.writeDouble(scaling.mean());
        out.writeDouble(scaling.sd());
        out.writeInt(fixedPoint.fractionalBits());
        out.writeInt(shares.size());
        for (Ring128Tensor t : shares) {
            out.writeInt(t.size());
            t.write(out);
        }
        ClassNames.write(out, classes);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        SecretFiles.writeAtomically(file, o -> o.write(bytes.toByteArray()));
    }

    /**
     * Reads {@code party}'s share from {@code file}; refuses (naming the file) one that others may
     * read, a corrupt or truncated one, and one of the other party.
     */
    public static SharedModel read(Path file, Role party) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("the model share " + file + " does not exist");
        }
        if (SecretFiles.openToOthers(file)) {
            throw new IOException("the model share " + file + " may be read by others: chmod 600 it (a share is a secret)");
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length + 4) {
            throw new IOException(file + " is too short to be a spdz4j model share");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 4));
        try {
            byte[] magic = in.readNBytes(MAGIC.length);
            boolean named = Arrays.equals(magic, MAGIC);
            if (!named && !Arrays.equals(magic, MAGIC_WITHOUT_CLASSES)) {
                throw new IOException(file + " is not a spdz4j model share (bad magic)");
            }
            if (ByteBuffer.wrap(all, all.length - 4, 4).getInt() != (int) crc.getValue()) {
                throw new IOException(file + " is corrupt (checksum mismatch)");
            }
            int p = in.readUnsignedByte();
            if (p != party.partyIndex()) {
                throw new IOException(file + " is " + (p == 0 ? "P0" : p == 1 ? "P1" : "no party (" + p + ")")
                        + "'s share, not " + party + "'s");
            }
            byte[] id = in.readNBytes(ID_BYTES);
            Network network = NetworkDescription.parse(in.readUTF());
            InputScaling scaling;
            FixedPoint fp;
            try {
                scaling = new InputScaling(in.readDouble(), in.readDouble());
                fp = new FixedPoint(in.readInt());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            int count = in.readInt();
            List<Ring128Tensor> shares = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = in.readInt();
                if (n < 0 || n > all.length / 16) {
                    throw new IOException(file + ": parameter " + i + " claims " + n + " values");
                }
                shares.add(Ring128Tensor.read(in, Shape.of(n)));
            }
            List<String> classes = named ? ClassNames.read(in, network.outputs(), file) : List.of();
            return new SharedModel(party, id, network, scaling, fp, shares, classes);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
    }

    @Override
    public String toString() {
        return party + "'s share of " + header(); // never a share's value
    }
}
