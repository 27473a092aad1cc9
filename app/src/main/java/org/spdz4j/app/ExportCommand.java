package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spdz export}: a model the engine wrote, as ONNX for other tools. */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Write a model (from train, party, split or federated training) as an ONNX file that ONNX tools "
                + "(onnxruntime, ...) load. Its input is the raw values (pixels / 255); the model's input "
                + "scaling is in the graph.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the model file (--save-model of a training command)")
    Path model;
    @Option(names = "--onnx", required = true, description = "the ONNX file to write (owner-only; an existing file is replaced)")
    Path onnx;

    @Override
    public Integer call() throws Exception {
        ModelFile m = ModelFile.read(model);
        OnnxExport.write(onnx, m);
        System.out.printf("%s written: %s, input (N, %s), %d parameter tensors%n", onnx, m.network().describe(),
                m.network().input().toString().replaceAll("[\\[\\]]", ""), m.params().size());
        return 0;
    }
}
