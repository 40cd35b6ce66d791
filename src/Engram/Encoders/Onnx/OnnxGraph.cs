using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Engram.Encoders.Onnx;

/// <summary>
/// One ONNX graph in an ONNX Runtime session made with <see cref="OnnxRuntimeSettings"/>, with its inputs and outputs
/// checked by name and element type when it is opened, so that a wrong name is refused then, naming what the graph has.
/// </summary>
internal sealed class OnnxGraph : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxGraph(byte[] model, string source, OnnxRuntimeSettings settings)
    {
        Source = source;
        using SessionOptions options = settings.CreateSessionOptions();
        try
        {
            _session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{source} is not an ONNX model that ONNX Runtime can run: {e.Message}", e);
        }
    }

    /// <summary>Where the graph came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The graph's inputs, by name.</summary>
    public IReadOnlyDictionary<string, NodeMetadata> Inputs => _session.InputMetadata;

    /// <summary>The graph's outputs, by name.</summary>
    public IReadOnlyDictionary<string, NodeMetadata> Outputs => _session.OutputMetadata;

    /// <summary>The dimensions of input <paramref name="name"/> (−1 where the graph leaves one free), after checking that it exists and holds <paramref name="type"/>.</summary>
    public int[] Input(string name, TensorElementType type, string role) => Check(Inputs, "input", name, type, role);

    /// <summary>The dimensions of output <paramref name="name"/> (−1 where free), after checking that it exists and holds floats.</summary>
    public int[] Output(string name) => Check(Outputs, "output", name, TensorElementType.Float, "the code");

    /// <summary>Runs the graph on <paramref name="inputs"/> and returns output <paramref name="output"/>'s floats and shape.</summary>
    public (float[] Values, long[] Shape) Run(IReadOnlyDictionary<string, OrtValue> inputs, string output)
    {
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), [output]);
        OrtValue result = results[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }

    /// <summary>Every input the graph declares that <paramref name="fed"/> leaves out (an ONNX graph runs only with all of them).</summary>
    public IEnumerable<string> Unfed(IEnumerable<string?> fed) => Inputs.Keys.Except(fed.OfType<string>(), StringComparer.Ordinal);

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private int[] Check(IReadOnlyDictionary<string, NodeMetadata> nodes, string kind, string name, TensorElementType type, string role)
    {
        if (!nodes.TryGetValue(name, out NodeMetadata? node))
        {
            throw new InvalidDataException(
                $"{Source} has no {kind} '{name}' (for {role}); its {kind}s are {string.Join(", ", nodes.Select(n => $"'{n.Key}' {Describe(n.Value)}"))}. " +
                $"Name one of them in the sidecar.");
        }

        if (!node.IsTensor || node.ElementDataType != type)
        {
            throw new InvalidDataException($"{Source}: {kind} '{name}' (for {role}) is {Describe(node)}, but Engram feeds or reads {type.ToString().ToLowerInvariant()} there.");
        }

        return node.Dimensions;
    }

    private static string Describe(NodeMetadata node) => node.IsTensor
        ? $"{node.ElementDataType.ToString().ToLowerInvariant()}[{string.Join(", ", node.Dimensions.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : node.SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]"
        : node.OnnxValueType.ToString();
}
