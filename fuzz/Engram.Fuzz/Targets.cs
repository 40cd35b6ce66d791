using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Png;
using Engram.Data.Safetensors;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Fuzz;

/// <summary>What one input did: it was read, it was refused with one of the format's documented errors, or it crashed.</summary>
internal enum Verdict
{
    Accepted,
    Refused,
    Crash,
}

/// <summary>A parser under fuzzing: its seeds, how it mutates one, and what it does with an input.</summary>
internal abstract class Target
{
    public abstract string Name { get; }

    /// <summary>Valid inputs to start from.</summary>
    public abstract IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>A mutation of <paramref name="seed"/> (<paramref name="other"/> is another seed, for splicing).</summary>
    public virtual byte[] Mutate(Mutator mutator, byte[] seed, byte[] other) => mutator.MutateBytes(seed, other);

    /// <summary>Reads the input; returns Accepted or Refused, and throws what it does not document.</summary>
    public abstract Verdict Run(byte[] input);

    /// <summary>The file extension a saved input gets.</summary>
    public virtual string Extension => ".bin";
}

/// <summary>Where the harness writes its temporary files: memory-backed when the machine has /dev/shm.</summary>
internal static class Scratch
{
    public static readonly string Folder = Directory.CreateTempSubdirectory("engram-fuzz-").FullName;

    private static readonly Lazy<string> s_shm = new(() => Directory.CreateDirectory(Path.Combine("/dev/shm", Path.GetFileName(Folder))).FullName);

    public static string File(string name) => Path.Combine(Directory.Exists("/dev/shm") ? s_shm.Value : Folder, name);

    public static void Delete()
    {
        foreach (string folder in new[] { Folder, Path.Combine("/dev/shm", Path.GetFileName(Folder)) })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}

/// <summary>PNG: the fixtures of every colour type and depth and some shipped emoji; half the mutations recompute the CRCs so they reach the parser.</summary>
internal sealed class PngTarget(string repository) : Target
{
    private readonly Random _options = new(7);

    public override string Name => "png";

    public override string Extension => ".png";

    public override IReadOnlyList<byte[]> Seeds { get; } =
        Directory.GetFiles(Path.Combine(repository, "tests", "Engram.Tests", "Fixtures", "png"), "*.png")
            .Concat(Directory.GetFiles(Path.Combine(repository, "data", "emoji", "images"), "*.png").Order(StringComparer.Ordinal).Take(16))
            .Order(StringComparer.Ordinal).Select(System.IO.File.ReadAllBytes).ToArray();

    public override byte[] Mutate(Mutator mutator, byte[] seed, byte[] other)
    {
        byte[] bytes = mutator.MutateBytes(seed, other, keepPrefix: mutator.Random.Next(4) == 0 ? 0 : 8);
        if (mutator.Random.Next(2) == 0)
        {
            FixCrcs(bytes);
        }

        return bytes;
    }

    public override Verdict Run(byte[] input)
    {
        // The default limits, and a third of the time a decode shrunk on the fly.
        var options = _options.Next(3) == 0 ? new PngDecodeOptions { MaxSide = 1 + _options.Next(40) } : new PngDecodeOptions();
        try
        {
            PngDecoder.Decode(input, "fuzz.png", options);
            return Verdict.Accepted;
        }
        catch (DataFormatException)
        {
            return Verdict.Refused;
        }
    }

    /// <summary>Recomputes every chunk's CRC that lies within the file, so a mutation is not stopped at the CRC check.</summary>
    private static void FixCrcs(byte[] bytes)
    {
        int offset = 8;
        while (offset + 12 <= bytes.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset));
            if (length > bytes.Length - offset - 12)
            {
                return;
            }

            uint crc = Engram.Data.Png.Crc32.Compute(bytes.AsSpan(offset + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset + 8 + (int)length), crc);
            offset += 12 + (int)length;
        }
    }
}

/// <summary>WAV: the fixtures (PCM 8/16/24/32, float 64, extensible, espeak's streaming header).</summary>
internal sealed class WavTarget(string repository) : Target
{
    public override string Name => "wav";

    public override string Extension => ".wav";

    public override IReadOnlyList<byte[]> Seeds { get; } =
        Directory.GetFiles(Path.Combine(repository, "tests", "Engram.Tests", "Fixtures", "wav"), "*.wav")
            .Order(StringComparer.Ordinal).Select(System.IO.File.ReadAllBytes).ToArray();

    public override Verdict Run(byte[] input)
    {
        try
        {
            WavFile.Read(input, "fuzz.wav");
            return Verdict.Accepted;
        }
        catch (DataFormatException)
        {
            return Verdict.Refused;
        }
    }
}

/// <summary>IDX, plain and gzipped: small files of every element type and the shipped label files; a mutation is applied before or after gzip.</summary>
internal sealed class IdxTarget(string repository) : Target
{
    private readonly string _path = Scratch.File("fuzz.idx");

    public override string Name => "idx";

    public override string Extension => ".idx";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        Idx(0x08, [3, 2, 2], 12), Idx(0x09, [4], 4), Idx(0x0B, [2, 3], 12), Idx(0x0C, [2, 1], 8), Idx(0x0D, [3], 12), Idx(0x0E, [1, 2], 16),
        Gunzip(System.IO.File.ReadAllBytes(Path.Combine(repository, "data", "fashion-mnist", "t10k-labels-idx1-ubyte.gz"))),
        System.IO.File.ReadAllBytes(Path.Combine(repository, "data", "fashion-mnist", "train-labels-idx1-ubyte.gz")),
    ];

    public override byte[] Mutate(Mutator mutator, byte[] seed, byte[] other)
    {
        bool gzipped = seed.Length > 2 && seed[0] == 0x1F && seed[1] == 0x8B;
        return (gzipped, mutator.Random.Next(3)) switch
        {
            (false, 0) => Gzip(mutator.MutateBytes(seed, other)),
            (true, 0) => Gzip(mutator.MutateBytes(Gunzip(seed), other)),
            _ => mutator.MutateBytes(seed, other),
        };
    }

    public override Verdict Run(byte[] input)
    {
        System.IO.File.WriteAllBytes(_path, input);
        try
        {
            IdxFile.Read(_path);
            return Verdict.Accepted;
        }
        catch (DataFormatException)
        {
            return Verdict.Refused;
        }
    }

    private static byte[] Idx(byte type, int[] dims, int dataBytes)
    {
        var bytes = new byte[4 + (4 * dims.Length) + dataBytes];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dims[d]);
        }

        for (int i = 4 + (4 * dims.Length); i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 37);
        }

        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
        {
            gz.Write(bytes);
        }

        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}

/// <summary>safetensors: the fixtures written by Python and by Engram; half the mutations edit the JSON header structurally.</summary>
internal sealed class SafetensorsTarget(string repository) : Target
{
    private readonly string _path = Scratch.File("fuzz.safetensors");

    public override string Name => "safetensors";

    public override string Extension => ".safetensors";

    public override IReadOnlyList<byte[]> Seeds { get; } =
        Directory.GetFiles(Path.Combine(repository, "tests", "Engram.Tests", "Fixtures", "safetensors"), "*.safetensors")
            .Order(StringComparer.Ordinal).Select(System.IO.File.ReadAllBytes).ToArray();

    public override byte[] Mutate(Mutator mutator, byte[] seed, byte[] other) =>
        mutator.Random.Next(2) == 0 ? Header.Edit(seed, mutator.MutateJson) ?? mutator.MutateBytes(seed, other) : mutator.MutateBytes(seed, other);

    public override Verdict Run(byte[] input)
    {
        System.IO.File.WriteAllBytes(_path, input);
        try
        {
            using SafetensorsFile file = SafetensorsFile.Open(_path);
            foreach (SafetensorsEntry entry in file.Entries)
            {
                file.ReadFloat32(entry.Name);
            }

            return Verdict.Accepted;
        }
        catch (DataFormatException)
        {
            return Verdict.Refused;
        }
    }
}

/// <summary>The JSON header of a safetensors file, taken out and put back with its length.</summary>
internal static class Header
{
    /// <summary>The file with its header replaced by <paramref name="edit"/> of it; null when the file has no readable header.</summary>
    public static byte[]? Edit(byte[] file, Func<string, string> edit)
    {
        if (file.Length < 8)
        {
            return null;
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (length > (ulong)(file.Length - 8))
        {
            return null;
        }

        string header = Encoding.UTF8.GetString(file, 8, (int)length);
        byte[] edited = Encoding.UTF8.GetBytes(edit(header));
        var result = new byte[8 + edited.Length + (file.Length - 8 - (int)length)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)edited.Length);
        edited.CopyTo(result, 8);
        file.AsSpan(8 + (int)length).CopyTo(result.AsSpan(8 + edited.Length));
        return result;
    }
}

/// <summary>
/// A memory file: a tiny memory built in-process (raw 4×4 grey images, no text encoder), saved, then mutated:
/// its bytes, its safetensors header, or the memory's own JSON inside the header's metadata.
/// </summary>
internal sealed class MemoryTarget : Target
{
    private readonly string _path = Scratch.File("fuzz.engram");
    private readonly Func<string, MultimodalMemory> _open;

    public MemoryTarget(Func<string, MultimodalMemory> open)
    {
        _open = open;
        string seed = Scratch.File("seed.engram");
        TinyMemory.Build().Save(seed);
        Seeds = [System.IO.File.ReadAllBytes(seed)];
    }

    public override string Name => "memory";

    public override string Extension => ".engram";

    public override IReadOnlyList<byte[]> Seeds { get; }

    public override byte[] Mutate(Mutator mutator, byte[] seed, byte[] other) => mutator.Random.Next(3) switch
    {
        0 => Header.Edit(seed, mutator.MutateJson) ?? mutator.MutateBytes(seed, other),
        1 => Header.Edit(seed, header => EditMetadata(header, mutator)) ?? mutator.MutateBytes(seed, other),
        _ => mutator.MutateBytes(seed, other),
    };

    public override Verdict Run(byte[] input)
    {
        System.IO.File.WriteAllBytes(_path, input);
        try
        {
            _open(_path);
            return Verdict.Accepted;
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException)
        {
            // The two errors MultimodalMemory.Load documents for a file it refuses.
            return Verdict.Refused;
        }
    }

    /// <summary>A structural edit of the memory's JSON, which the header holds as one string of its metadata.</summary>
    private static string EditMetadata(string header, Mutator mutator)
    {
        try
        {
            JsonNode? root = JsonNode.Parse(header);
            if (root?["__metadata__"]?["engram.memory"] is JsonValue value && value.TryGetValue(out string? json))
            {
                root["__metadata__"]!["engram.memory"] = mutator.MutateJson(json);
                return root.ToJsonString();
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            // A header JsonNode cannot hold: leave it as it is.
        }

        return header;
    }
}

/// <summary>The tiny memory the memory and explorer targets use: four raw 4×4 grey images, no text or audio encoder.</summary>
internal static class TinyMemory
{
    public static MultimodalMemory Build()
    {
        var shape = new Engram.Encoders.ImageShape(1, 4, 4);
        MemoryEncoders encoders = MemoryEncoders.Open("raw", null, null, shape);
        var random = new Random(4);
        float[] pixels = Enumerable.Range(0, 4 * 16).Select(_ => (float)random.NextDouble()).ToArray();
        MemoryItem[] items = Enumerable.Range(0, 4).Select(i => new MemoryItem($"item-{i}", $"caption {i}")).ToArray();
        return MultimodalMemory.Build(items, encoders, Engram.Tensors.Tensor.FromArray(pixels, 4, 16));
    }
}
