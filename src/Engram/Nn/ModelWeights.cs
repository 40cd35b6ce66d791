using System.Text.Json;
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

    /// <summary>
    /// Saves a model with its architecture (<paramref name="config"/>, as snake_case JSON under
    /// <paramref name="configKey"/>) and <see cref="ParameterHash"/> in the metadata, so that
    /// <see cref="ReadModel{TConfig}(string, string, string, Action{TConfig})"/> can rebuild it.
    /// </summary>
    public static void SaveModel<TConfig>(string path, Module module, string configKey, TConfig config, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [configKey] = JsonSerializer.Serialize(config, ConfigJson),
            [HashKey] = ParameterHash(module),
        };
        Save(path, module, all);
    }

    /// <summary>
    /// Reads a file written by <see cref="SaveModel"/>: the architecture (checked by
    /// <paramref name="validate"/>), the parameters and the metadata. A file without the
    /// architecture, or with one that does not validate, is refused naming the file and saying it is
    /// not <paramref name="what"/> (e.g. "an Engram text encoder (make one with `engram train text`)").
    /// </summary>
    public static ModelFile<TConfig> ReadModel<TConfig>(string path, string configKey, string what, Action<TConfig> validate)
    {
        var (arrays, metadata) = Read(path);
        return ReadModel(path, arrays, metadata, configKey, what, validate);
    }

    /// <summary>
    /// <see cref="ReadModel{TConfig}(string, string, string, Action{TConfig})"/> over arrays and metadata already read (from a
    /// weight file, or from a memory file that embeds one); <paramref name="path"/> names where they came from in errors.
    /// </summary>
    public static ModelFile<TConfig> ReadModel<TConfig>(
        string path, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string> metadata, string configKey, string what, Action<TConfig> validate)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(validate);
        if (!metadata.TryGetValue(configKey, out string? json))
        {
            throw new InvalidDataException($"{path} has no '{configKey}' metadata, so it is not {what}.");
        }

        TConfig config;
        try
        {
            config = JsonSerializer.Deserialize<TConfig>(json, ConfigJson) ?? throw new JsonException("The configuration is null.");
            validate(config);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the '{configKey}' configuration is not valid: {e.Message}", e);
        }

        return new ModelFile<TConfig>(
            config,
            arrays.Where(p => !p.Key.StartsWith("optimizer.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            metadata,
            metadata.GetValueOrDefault(HashKey));
    }

    /// <summary>Architectures are stored as snake_case JSON.</summary>
    public static readonly JsonSerializerOptions ConfigJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

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

/// <summary>A model file as <see cref="ModelWeights.ReadModel{TConfig}(string, string, string, Action{TConfig})"/> reads it: architecture, parameters, metadata and weight hash.</summary>
public sealed record ModelFile<TConfig>(TConfig Config, IReadOnlyDictionary<string, NdArray<float>> Parameters, IReadOnlyDictionary<string, string> Metadata, string? WeightsHash);
