using Engram.Data;
using Engram.Data.Safetensors;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Onnx;
using Engram.Encoders.Text;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Nn;
using Engram.Nn.Layers;

namespace Engram.Multimodal;

/// <summary>An encoder (or harmonic model) with weights, opened: the module, where it came from and its weight file's metadata.</summary>
/// <param name="Module">The loaded encoder or model.</param>
/// <param name="Source">The weight file it was read from, or the memory file that embeds it.</param>
/// <param name="Metadata">The weight file's metadata (its architecture, hash and whatever else it records), kept so that a memory can embed it.</param>
/// <param name="Sha256">The SHA-256 of its parameters (<see cref="ModelWeights.ParameterHash"/>).</param>
internal sealed record LoadedModel(Module Module, string Source, IReadOnlyDictionary<string, string> Metadata, string Sha256);

/// <summary>One place <see cref="ModelLocator"/> looked for an encoder, and what it found there.</summary>
internal sealed record SearchedPlace(string Path, string Why, string Found);

/// <summary>
/// Finds the weight file of an encoder a memory file records, by the SHA-256 of its parameters, so that a memory
/// copied to another folder or machine still opens. The models path, in order: the path the memory records
/// (relative to the memory), the memory's own folder, the shipped <c>data/models</c>, every folder in
/// <c>ENGRAM_MODELS</c> (':'-separated), then the folders the caller gives (the CLI's <c>--models</c>).
/// </summary>
/// <remarks>
/// It lives in <c>Hen/</c> beside <see cref="MemoryEncoders"/> because what it resolves is a memory file's
/// <see cref="SlotEncoder"/> record (the harmonic model included); the encoders themselves know nothing of memory files.
/// A candidate is read only when its safetensors metadata says it is weights of the recorded kind and does not claim
/// other weights; it is taken only when the SHA-256 of its parameters, computed from the tensors, equals the recorded
/// one. Nothing is cached: every open looks again, so a file changed on disk is never taken on an old reading.
/// </remarks>
internal static class ModelLocator
{
    /// <summary>The environment variable of extra model folders, ':'-separated.</summary>
    public const string EnvironmentVariable = PretrainedEncoders.ModelsVariable;

    /// <summary>The folders named by <c>ENGRAM_MODELS</c>, in order (empty when it is unset).</summary>
    public static IReadOnlyList<string> EnvironmentFolders() =>
        (Environment.GetEnvironmentVariable(EnvironmentVariable) ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The config key that marks a weight file as weights of the encoder of <paramref name="slot"/> (or the harmonic model).</summary>
    public static string ConfigKey(string slot) => slot switch
    {
        Modality.ImageName => ConvImageCodec.ConfigKey,
        Modality.TextName => NgramTextEncoder.ConfigKey,
        Modality.AudioName => SpeechEncoder.ConfigKey,
        _ => HarmonicModel.ConfigKey,
    };

    /// <summary>
    /// Builds the encoder of <paramref name="slot"/> (or the harmonic model) from a weight file's arrays and metadata and
    /// hashes its parameters; <paramref name="source"/> names them in errors.
    /// </summary>
    public static LoadedModel Build(string slot, string source, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string> metadata)
    {
        Module module = slot switch
        {
            Modality.ImageName => ImageCodecs.Load(source, arrays, metadata),
            Modality.TextName => NgramTextEncoder.Load(source, arrays, metadata),
            Modality.AudioName => SpeechEncoder.Load(source, arrays, metadata),
            _ => HarmonicModel.Load(source, arrays, metadata),
        };
        return new LoadedModel(module, source, metadata, ModelWeights.ParameterHash(module));
    }

    /// <summary>Reads and builds the weight file at <paramref name="path"/> as the encoder of <paramref name="slot"/> (or the harmonic model).</summary>
    public static LoadedModel Read(string slot, string path)
    {
        var (arrays, metadata) = ModelWeights.Read(path);
        return Build(slot, path, arrays, metadata);
    }

    /// <summary>
    /// The weight file whose parameters have the <paramref name="recorded"/> SHA-256, searched in the models path of the
    /// memory at <paramref name="memoryPath"/>; throws naming the encoder, its hash and every place searched when none has.
    /// </summary>
    public static LoadedModel Find(SlotEncoder recorded, string memoryPath, IReadOnlyList<string> folders)
    {
        List<(string Path, string Why, bool IsFile)> places = Places(recorded, memoryPath, folders);
        var searched = new List<SearchedPlace>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string fileName = Path.GetFileName(recorded.Weights!);
        foreach (var (path, why, isFile) in places)
        {
            if (!seen.Add(path))
            {
                searched.Add(new SearchedPlace(path, why, "searched above"));
                continue;
            }

            string[] candidates;
            try
            {
                // In a folder, a file of the recorded name first; a file already tried (the recorded path) is not read twice.
                candidates = isFile
                    ? File.Exists(path) ? [path] : []
                    : Directory.Exists(path)
                        ? Directory.EnumerateFiles(path, "*.safetensors")
                            .Where(f => !seen.Contains(f))
                            .OrderBy(f => Path.GetFileName(f) == fileName ? 0 : 1)
                            .ThenBy(f => f, StringComparer.Ordinal)
                            .ToArray()
                        : [];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                searched.Add(new SearchedPlace(path, why, $"could not be listed ({e.Message.TrimEnd('.')})"));
                continue;
            }

            seen.UnionWith(candidates);
            var others = new List<string>();
            foreach (string candidate in candidates)
            {
                if (Try(recorded, candidate, others) is { } found)
                {
                    return found;
                }
            }

            string what = What(recorded);
            string outcome = isFile
                ? File.Exists(path) ? others.Count > 0 ? $"other {what} weights: {others[0]}" : $"not a {what} weight file" : "not there"
                : !Directory.Exists(path) ? "no such folder"
                : others.Count == 0 ? $"no {what} weights"
                : $"only other {what} weights: {string.Join(", ", others)}";
            searched.Add(new SearchedPlace(path, why, outcome));
        }

        throw NotFound(recorded, memoryPath, searched);
    }

    /// <summary>
    /// The user's ONNX model (a .onnx file with its sidecar) whose files hash to the <paramref name="recorded"/> SHA-256
    /// (<see cref="PretrainedEncoders.OnnxSha256"/>), searched in the models path as for weights; throws naming every place searched.
    /// </summary>
    public static string FindOnnx(SlotEncoder recorded, string memoryPath, IReadOnlyList<string> folders)
    {
        var searched = new List<SearchedPlace>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string fileName = Path.GetFileName(recorded.Weights!);
        foreach (var (path, why, isFile) in Places(recorded, memoryPath, folders))
        {
            if (!seen.Add(path))
            {
                searched.Add(new SearchedPlace(path, why, "searched above"));
                continue;
            }

            string[] candidates;
            try
            {
                candidates = isFile
                    ? File.Exists(path) ? [path] : []
                    : Directory.Exists(path)
                        ? Directory.EnumerateFiles(path, "*.onnx").Where(f => !seen.Contains(f))
                            .OrderBy(f => Path.GetFileName(f) == fileName ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal).ToArray()
                        : [];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                searched.Add(new SearchedPlace(path, why, $"could not be listed ({e.Message.TrimEnd('.')})"));
                continue;
            }

            seen.UnionWith(candidates);
            var others = new List<string>();
            foreach (string candidate in candidates.Where(c => File.Exists(OnnxEncoderConfig.SidecarPath(c))))
            {
                try
                {
                    string sha256 = PretrainedEncoders.OnnxSha256(candidate);
                    if (string.Equals(sha256, recorded.Sha256, StringComparison.Ordinal))
                    {
                        return candidate;
                    }

                    others.Add($"{Path.GetFileName(candidate)} (SHA-256 {Short(sha256)}…)");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    others.Add($"{Path.GetFileName(candidate)} (unreadable: {e.Message})");
                }
            }

            searched.Add(new SearchedPlace(path, why,
                isFile ? File.Exists(path) ? others.Count > 0 ? $"another model: {others[0]}" : "no sidecar beside it" : "not there"
                : !Directory.Exists(path) ? "no such folder"
                : others.Count == 0 ? "no ONNX model with a sidecar"
                : $"only other models: {string.Join(", ", others)}"));
        }

        string places = string.Join(Environment.NewLine, searched.Select((p, i) => $"  {i + 1}. {p.Path} ({p.Why}): {p.Found}"));
        throw new FileNotFoundException(
            $"{memoryPath} needs its ONNX {What(recorded)} with model files SHA-256 {Short(recorded.Sha256!)}… (full: {recorded.Sha256}), recorded as {recorded.Weights}, " +
            $"and no .onnx file with its sidecar hashes to that. Looked in, in order:{Environment.NewLine}{places}{Environment.NewLine}" +
            $"Give the folder that holds the model and its sidecar with --models FOLDER (or {EnvironmentVariable}=FOLDER[:FOLDER…]).",
            recorded.Weights);
    }

    /// <summary>What the recorded entry is, as a person would say it ("text encoder", "harmonic model").</summary>
    public static string What(SlotEncoder e) => e.Slot == MemoryEncoders.HarmonicEntry ? "harmonic model" : $"{e.Slot} encoder";

    /// <summary>The first 12 hex digits of a SHA-256, as messages show it.</summary>
    public static string Short(string sha256) => sha256[..Math.Min(12, sha256.Length)];

    // The candidate when its parameters hash to the recorded SHA-256; otherwise null, with a note in others when it is weights of the kind.
    private static LoadedModel? Try(SlotEncoder recorded, string candidate, List<string> others)
    {
        string name = Path.GetFileName(candidate);
        string? claimed;
        try
        {
            using SafetensorsFile header = SafetensorsFile.Open(candidate);
            if (!header.Metadata.ContainsKey(ConfigKey(recorded.Slot)))
            {
                return null;
            }

            claimed = header.Metadata.GetValueOrDefault(ModelWeights.HashKey);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }

        // A file that records the hash of its parameters and records another is skipped unread; what it claims is checked below when it matches.
        if (claimed is not null && !string.Equals(claimed, recorded.Sha256, StringComparison.Ordinal))
        {
            others.Add($"{name} (SHA-256 {Short(claimed)}…)");
            return null;
        }

        LoadedModel loaded;
        try
        {
            loaded = Read(recorded.Slot, candidate);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            others.Add($"{name} (unreadable: {e.Message})");
            return null;
        }

        if (!string.Equals(loaded.Sha256, recorded.Sha256, StringComparison.Ordinal))
        {
            others.Add(claimed is null
                ? $"{name} (SHA-256 {Short(loaded.Sha256)}…)"
                : $"{name} (its metadata claims SHA-256 {Short(claimed)}…, but its parameters hash to {Short(loaded.Sha256)}…)");
            return null;
        }

        if (loaded.Module is ConvImageCodec codec && codec.Config.Kind != recorded.Kind)
        {
            others.Add($"{name} (a {codec.Config.Kind} codec, not {recorded.Kind})");
            return null;
        }

        return loaded;
    }

    // The models path of a memory, in order: the recorded file, the memory's folder, the shipped models, ENGRAM_MODELS, --models.
    private static List<(string Path, string Why, bool IsFile)> Places(SlotEncoder recorded, string memoryPath, IReadOnlyList<string> folders)
    {
        string memoryFolder = Path.GetDirectoryName(Path.GetFullPath(memoryPath))!;
        var places = new List<(string Path, string Why, bool IsFile)>
        {
            (Path.GetFullPath(recorded.Weights!, memoryFolder), "the path the memory records", true),
            (memoryFolder, "the memory's folder", false),
        };
        if (ShippedData.Find("models") is { } shipped)
        {
            places.Add((Path.GetFullPath(shipped), "the shipped models", false));
        }

        places.AddRange(EnvironmentFolders().Select(f => (Path.GetFullPath(f), EnvironmentVariable, false)));
        places.AddRange(folders.Select(f => (Path.GetFullPath(f), "--models", false)));
        return places;
    }

    private static FileNotFoundException NotFound(SlotEncoder recorded, string memoryPath, List<SearchedPlace> searched)
    {
        string places = string.Join(Environment.NewLine, searched.Select((p, i) => $"  {i + 1}. {p.Path} ({p.Why}): {p.Found}"));
        return new FileNotFoundException(
            $"{memoryPath} needs its {What(recorded)} ({(recorded.Slot == MemoryEncoders.HarmonicEntry ? "" : $"{recorded.Slot} slot, ")}kind {recorded.Kind}) with weights SHA-256 {Short(recorded.Sha256!)}… " +
            $"(full: {recorded.Sha256}), recorded as {recorded.Weights}, and no weight file with those weights was found. Looked in, in order:{Environment.NewLine}" +
            $"{places}{Environment.NewLine}" +
            $"Give the folder that holds it with --models FOLDER (or {EnvironmentVariable}=FOLDER[:FOLDER…]), or rebuild the memory with `engram build --embed-encoders` so that the file carries its encoders.",
            recorded.Weights);
    }
}
