using Engram.Data.Safetensors;
using Engram.Nn.Layers;

namespace Engram.Nn;

/// <summary>
/// Weight files: a module's state dict as safetensors (float32, PyTorch-style dotted names),
/// with string metadata. Written crash-safe; loading checks every name and shape.
/// </summary>
public static class ModelWeights
{
    /// <summary>The metadata key under which a weight file records <see cref="ParameterHash"/>.</summary>
    public const string HashKey = "engram.weights_sha256";

    /// <summary>A SHA-256 over every parameter's name, shape and bytes: identifies trained weights.</summary>
    public static string ParameterHash(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (name, parameter) in module.NamedParameters())
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}{Shapes.Format(parameter.Value.Shape)}"));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(parameter.Value.Span));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes <paramref name="module"/>'s parameters (and any extra arrays) to <paramref name="path"/>.</summary>
    public static void Save(
        string path, Module module, IReadOnlyDictionary<string, string>? metadata = null,
        IReadOnlyDictionary<string, NdArray<float>>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var arrays = new Dictionary<string, NdArray<float>>(module.StateDict(), StringComparer.Ordinal);
        foreach (var (name, value) in extra ?? new Dictionary<string, NdArray<float>>())
        {
            if (!arrays.TryAdd(name, value))
            {
                throw new ArgumentException($"Extra array '{name}' has the name of a parameter.", nameof(extra));
            }
        }

        Write(path, arrays, metadata);
    }

    /// <summary>Writes named float32 arrays to a safetensors file, crash-safe.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        SafetensorsWriter.Write(
            path,
            arrays.Select(p => SafetensorsTensor.FromFloat32(p.Key, p.Value.Data, p.Value.ShapeArray)),
            metadata);
    }

    /// <summary>Every tensor of a safetensors file as float32 arrays, with the file's metadata.</summary>
    public static (Dictionary<string, NdArray<float>> Arrays, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        using SafetensorsFile file = SafetensorsFile.Open(path);
        var arrays = new Dictionary<string, NdArray<float>>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in file.Entries)
        {
            if (entry.Dtype != SafetensorsDtype.F32)
            {
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' is {entry.Dtype}; Engram weight files hold F32.");
            }

            Tensor t = file.ReadFloat32(entry.Name);
            arrays[entry.Name] = NdArray<float>.FromArray(t.Span.ToArray(), t.Shape.ToArray());
        }

        return (arrays, new Dictionary<string, string>(file.Metadata, StringComparer.Ordinal));
    }

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="module"/>; tensors named in
    /// <paramref name="ignore"/> (for example optimizer state in a checkpoint) are skipped.
    /// Returns the file's metadata.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Load(string path, Module module, Func<string, bool>? ignore = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var (arrays, metadata) = Read(path);
        var parameters = arrays.Where(p => ignore is null || !ignore(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        module.LoadStateDict(parameters, path);
        return metadata;
    }
}
