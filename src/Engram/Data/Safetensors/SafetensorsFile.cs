using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Engram.Data.Safetensors;

/// <summary>One tensor's header entry: its name, element type, shape and where its bytes are.</summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDtype Dtype, IReadOnlyList<long> Shape, long Begin, long ByteLength);

/// <summary>
/// A safetensors file opened for reading: an 8-byte little-endian header length N, N bytes of JSON
/// header, then the tensors' bytes (little-endian, row-major). The data is memory-mapped, so opening a
/// large file reads only its header; tensors are read on demand. Every check of the header is made at
/// open time, with errors naming the file, the tensor and the problem.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The largest header read (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long dataStart,
        List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _dataStart = dataStart;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
        Entries = entries;
        Metadata = metadata;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (string to string), empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, in the order of their data.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Opens and maps <paramref name="path"/> and reads its header; a corrupt header gives a <see cref="DataFormatException"/> naming the file and offset. Dispose the file to unmap it.</summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw MissingFile.For(path, "a safetensors file", "safetensors");
        }

        long length = new FileInfo(path).Length;
        if (length < 8)
        {
            throw new DataFormatException(path, 0, $"the file is {length} bytes; a safetensors file starts with an 8-byte header length.");
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            ulong headerLength = view.ReadUInt64(0);
            if (headerLength > MaxHeaderBytes || (long)headerLength > length - 8)
            {
                throw new DataFormatException(path, 0, $"the header length says {headerLength} bytes, but the file holds {length - 8} after it (and at most {MaxHeaderBytes} are read).");
            }

            var header = new byte[headerLength];
            if (header.Length > 0)
            {
                // The accessor refuses a read at its end even of no bytes: an empty header is left to the JSON check.
                view.ReadArray(8, header, 0, header.Length);
            }

            long dataStart = 8 + (long)headerLength;
            (List<SafetensorsEntry> entries, Dictionary<string, string> metadata) = ParseHeader(header, path, length - dataStart);
            var file = new SafetensorsFile(path, map, view, dataStart, entries, metadata);
            return file;
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry called <paramref name="name"/>; the error lists some names that exist.</summary>
    public SafetensorsEntry this[string name] => _byName.TryGetValue(name, out SafetensorsEntry? e)
        ? e
        : throw new KeyNotFoundException(
            $"{Path} has no tensor '{name}'; it has {Entries.Count}: {string.Join(", ", Entries.Take(8).Select(x => x.Name))}{(Entries.Count > 8 ? ", …" : "")}.");

    /// <summary>A copy of the tensor's raw little-endian bytes.</summary>
    public byte[] ReadBytes(string name) => Bytes(this[name]).ToArray();

    /// <summary>The tensor converted to float32 (F16 and BF16 widened, F64 and integers rounded to nearest, BOOL as 0/1), with its shape.</summary>
    public Tensor ReadFloat32(string name)
    {
        SafetensorsEntry entry = this[name];
        int[] shape = entry.Shape.Select(d => checked((int)d)).ToArray();
        ReadOnlySpan<byte> bytes = Bytes(entry);
        var values = new float[bytes.Length / SafetensorsDtypes.Size(entry.Dtype)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = entry.Dtype switch
            {
                SafetensorsDtype.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
                SafetensorsDtype.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]),
                SafetensorsDtype.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16),
                SafetensorsDtype.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
                SafetensorsDtype.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
                SafetensorsDtype.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
                SafetensorsDtype.I16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]),
                SafetensorsDtype.I8 => (sbyte)bytes[i],
                SafetensorsDtype.U8 => bytes[i],
                _ => bytes[i] switch
                {
                    0 => 0f,
                    1 => 1f,
                    _ => throw new DataFormatException(Path, _dataStart + entry.Begin + i, $"tensor '{name}' is BOOL but holds the byte {bytes[i]} (only 0 and 1 are booleans)."),
                },
            };
        }

        return Tensor.FromArray(values, shape);
    }

    /// <summary>Unmaps the file; tensors already read stay valid.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private ReadOnlySpan<byte> Bytes(SafetensorsEntry entry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (entry.ByteLength > int.MaxValue)
        {
            throw new DataFormatException(Path, _dataStart + entry.Begin, $"tensor '{entry.Name}' is {entry.ByteLength} bytes; tensors over 2 GiB are not read whole.");
        }

        return new ReadOnlySpan<byte>(_base + _dataStart + entry.Begin, (int)entry.ByteLength);
    }

    private static (List<SafetensorsEntry>, Dictionary<string, string>) ParseHeader(byte[] header, string path, long dataLength)
    {
        // JsonDocument checks UTF-8 only when a string is read, so check the whole header first.
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new DataFormatException(path, 8, "the header is not valid UTF-8 text.");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, 8 + (e.BytePositionInLine ?? 0), $"the header is not valid JSON: {e.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException(path, 8, "the header must be a JSON object of tensor entries.");
            }

            var entries = new List<SafetensorsEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new DataFormatException(path, 8, "__metadata__ must be an object of strings.");
                    }

                    foreach (JsonProperty m in property.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw new DataFormatException(path, 8, $"__metadata__ value '{m.Name}' is not a string.");
                    }

                    continue;
                }

                SafetensorsEntry entry = ParseEntry(property, path, dataLength);
                if (!names.Add(entry.Name))
                {
                    throw new DataFormatException(path, 8, $"tensor '{entry.Name}' appears twice in the header.");
                }

                entries.Add(entry);
            }

            entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < entries.Count; i++)
            {
                if (entries[i].Begin < entries[i - 1].Begin + entries[i - 1].ByteLength)
                {
                    throw new DataFormatException(path, 8, $"tensors '{entries[i - 1].Name}' and '{entries[i].Name}' overlap in the data.");
                }
            }

            return (entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(JsonProperty property, string path, long dataLength)
    {
        string name = property.Name;
        JsonElement e = property.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out JsonElement dtypeElement)
            || !e.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out JsonElement offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw new DataFormatException(path, 8, $"tensor '{name}' needs \"dtype\", \"shape\" (array) and \"data_offsets\" (array).");
        }

        if (!SafetensorsDtypes.TryParse(dtypeElement.ValueKind == JsonValueKind.String ? dtypeElement.GetString() : null, out SafetensorsDtype dtype))
        {
            throw new DataFormatException(path, 8, $"tensor '{name}' has dtype {dtypeElement}; known: {string.Join(", ", Enum.GetNames<SafetensorsDtype>())}.");
        }

        var shape = new List<long>();
        long count = 1;
        long elements = 1;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (!TryGetInteger(d, out long dim) || dim < 0 || dim > int.MaxValue)
            {
                throw new DataFormatException(path, 8, $"tensor '{name}' has a shape entry {d.GetRawText()} that is not a non-negative integer.");
            }

            shape.Add(dim);
            count = dim == 0 ? 0 : count > long.MaxValue / dim ? throw new DataFormatException(path, 8, $"tensor '{name}' has a shape whose size overflows.") : count * dim;

            // Every partial product must fit in one array, as a tensor's shape must (zeros included).
            elements *= dim;
            if (elements > Array.MaxLength)
            {
                throw new DataFormatException(path, 8, $"tensor '{name}' has shape {shapeElement.GetRawText()}, more elements than one array holds ({Array.MaxLength}).");
            }
        }

        long[] offsets = offsetsElement.EnumerateArray().Select(o => TryGetInteger(o, out long v) ? v : -1).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
        {
            throw new DataFormatException(path, 8, $"tensor '{name}' has data_offsets {offsetsElement.GetRawText()} outside the {dataLength} bytes of data (two integers, begin ≤ end, are needed).");
        }

        long expected = count * SafetensorsDtypes.Size(dtype);
        if (offsets[1] - offsets[0] != expected)
        {
            throw new DataFormatException(path, 8,
                $"tensor '{name}' is {dtype} of shape [{string.Join(", ", shape)}] ({expected} bytes) but its data_offsets span {offsets[1] - offsets[0]} bytes.");
        }

        return new SafetensorsEntry(name, dtype, shape, offsets[0], expected);
    }

    /// <summary>A JSON integer (not a string, array, fraction or number past 64 bits), without the exception <see cref="JsonElement.TryGetInt64"/> throws for a non-number.</summary>
    private static bool TryGetInteger(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }
}
