package org.spdz4j.federated;

import java.util.List;
import java.util.SplittableRandom;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Partitions;
import org.spdz4j.federated.FederatedTraining.Config;
import org.spdz4j.federated.FederatedTraining.Faults;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Proximal;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.run.Messages;
import org.spdz4j.training.LocalTraining;

/**
 * A client's part of a federated run: for each round it is sampled for, the global model, local
 * training on its own data, and its update split between P0 and P1.
 *
 * <pre>{@code
 * FedClient.run(config, scaling, 3, myImages, transport, FederatedTraining.Faults.NONE);
 * }</pre>
 */
public final class FedClient {
    private FedClient() {
    }

    /**
     * Client {@code me}'s part: for each round it is sampled for, the model, local training on
     * its own data, and {@code n_k * update} split between P0 and P1. Its data's classes are
     * numbered by the run's, which the coordinator states, by name: a class the run does not
     * have is refused before any round; a CSV's columns are standardised by the statistics it
     * states (its training file's), as every client's are.
     */
    public static void run(Config c, InputScaling scaling, int me, Dataset own, Transport t, Faults faults) {
        FederatedTraining.Stated stated = FederatedTraining.requireCoordinatorsFacts(c, scaling, t);
        // its own classes by name: a part that lacks some, or orders them otherwise, trains the right outputs; its
        // columns standardised as every client's are: by its own part's statistics a non-IID part would lose its signal
        Dataset data = own.inClasses(stated.classes(), t.self().toString(),
                "the run's classes as server 0's test data names them").standardisedAs(stated.features());
        int first = FederatedTraining.receiveRound(t, FederatedTraining.JOINED);
        int[] lengths = FederatedTraining.modelLengths(c);
        Shape vector = FederatedTraining.vector(lengths);
        int[] all = java.util.stream.IntStream.range(0, data.size()).toArray();
        for (int round = first; round < c.rounds(); round++) { // a client that joined late starts where it was let in
            if (!FederatedTraining.sample(c, round).contains(me)) {
                continue;
            }
            if (faults.dyingClient() == me && round >= faults.diesAtRound()) {
                t.close(); // killed: its links close
                return;
            }
            List<double[]> start = Messages.receiveDoubles(t, FederatedTraining.COORDINATOR, Tag.Kind.WEIGHTS, round, lengths, FederatedTraining.ROUND_WAIT);
            double[] v = localUpdate(c, data, all, start, FederatedTraining.flatten(start), round, me);
            if (faults.poisonedClient() == me) {
                for (int i = 0; i + 1 < v.length; i++) {
                    v[i] = v[v.length - 1] * (v[i] >= 0 ? c.clip() : -c.clip());
                }
            }
            FederatedTraining.Attack attack = faults.attacker() == me ? faults.attack() : null;
            if (attack == FederatedTraining.Attack.NEGATIVE_COUNT) {
                v[v.length - 1] = -v[v.length - 1] * (FederatedTraining.sample(c, round).size() - 1); // equal parts: total 0
            } else if (attack == FederatedTraining.Attack.INFLATED_COUNT) {
                v[v.length - 1] *= 1e9;
            } else if (attack == FederatedTraining.Attack.BOOSTED) {
                for (int i = 0; i + 1 < v.length; i++) {
                    v[i] *= 100;
                }
            }
            Ring128Tensor x = FederatedTraining.FP.encode(vector, v);
            if (attack == FederatedTraining.Attack.SHIFTED_ELEMENT || attack == FederatedTraining.Attack.HALF_RING_SHIFT) {
                long[] hi = x.hiWords().clone();
                hi[0] += attack == FederatedTraining.Attack.SHIFTED_ELEMENT ? 1L << 62 : 1L << 63; // + 2^126, + 2^127
                x = Ring128Tensor.wrap(x.shape(), hi, x.loWords().clone());
            }
            if (attack == FederatedTraining.Attack.LONG_SEED) {
                t.sendBytes(Role.P0, FederatedTraining.tag(round, 0), new byte[17]);
                t.send(Role.P1, FederatedTraining.tag(round, 0), x);
            } else if (faults.onlyP0Client() == me && faults.onlyP0Round() == round) {
                t.sendBytes(Role.P0, FederatedTraining.tag(round, 0), new byte[16]); // its P1 share never arrives
            } else if (c.secure()) {
                SecureAggregation.submit(t, round, x);
            } else { // the reference: the vector in the clear to P0, nothing to P1
                t.send(Role.P0, FederatedTraining.tag(round, 0), x);
            }
        }
    }

    /** {@code n_k * clip(w_k - w)} then {@code n_k}: what client k contributes to the round's sum. */
    private static double[] localUpdate(Config c, Dataset train, int[] part, List<double[]> start, double[] w, int round,
                                        int client) {
        Proximal prox = new Proximal(c.sgd(), c.mu()); // mu = 0: plain local SGD
        FloatModel local = FloatModel.create(c.network(), c.network().batchShape(c.batchSize()),
                WeightInit.normal(0).initializer(0), prox);
        local.load(start);
        prox.anchor(local.params());
        SplittableRandom r = new SplittableRandom((c.seed() * 1_000_003L + round) * 1009L + client); // the local data order
        int[] order = part.clone();
        for (int e = 0; e < c.localEpochs(); e++) {
            Partitions.shuffle(order, r);
            for (int b = 0; b + c.batchSize() <= order.length; b += c.batchSize()) {
                int[] batch = java.util.Arrays.copyOfRange(order, b, b + c.batchSize());
                double loss = local.trainStep(train.images(batch), train.oneHot(batch));
                if (!Double.isFinite(loss)) { // a NaN update would be refused by the encoding anyway: say why
                    throw new LocalTraining.DivergedException("client " + client + " diverged in round " + (round + 1)
                            + " (local epoch " + (e + 1) + ", loss " + loss + "): lower --lr");
                }
            }
        }
        double[] trained = FederatedTraining.flatten(local.paramValues());
        double[] out = new double[w.length + 1];
        for (int i = 0; i < w.length; i++) {
            out[i] = part.length * Math.max(-c.clip(), Math.min(c.clip(), trained[i] - w[i]));
        }
        out[w.length] = part.length;
        return out;
    }
}
