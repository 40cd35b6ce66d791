using System.Text.Json;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Tests.Encoders.Onnx;

/// <summary>
/// The reference codes of Fixtures/onnx/onnx_reference.json, written by make_onnx_fixtures.py: the ONNX graphs evaluated
/// in float64 by torch, a plain-Python BERT tokenizer, and the tiny models' torch modules.
/// </summary>
internal static class OnnxReference
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx");

    private static readonly Lazy<JsonElement> s_root = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "onnx_reference.json"))).RootElement);

    public static JsonElement Root => s_root.Value;

    public static IEnumerable<JsonElement> MiniLmSentences => Root.GetProperty("minilm").GetProperty("sentences").EnumerateArray();

    public static IEnumerable<JsonElement> ResNetImages => Root.GetProperty("resnet18").GetProperty("images").EnumerateArray();

    public static IEnumerable<JsonElement> TinyText => Root.GetProperty("tinyText").EnumerateArray();

    public static IEnumerable<JsonElement> TinyImages => Root.GetProperty("tinyImage").EnumerateArray();

    public static double[] Doubles(JsonElement row, string name) => row.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Ints(JsonElement row, string name) => row.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>A fixture PNG prepared as Engram prepares any image for a size×size RGB encoder.</summary>
    public static float[] Image(string file, int size) =>
        ImageOps.Prepare(PngDecoder.Decode(Path.Combine(Folder, file)).Image, size, grey: false);

    /// <summary>The largest |actual − expected| over a code.</summary>
    public static double MaxAbsoluteError(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }

        return worst;
    }

    /// <summary>The cosine of a code and its reference, in double.</summary>
    public static double Cosine(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            dot += expected[i] * actual[i];
            a += expected[i] * expected[i];
            b += (double)actual[i] * actual[i];
        }

        return dot / Math.Sqrt(a * b);
    }
}
