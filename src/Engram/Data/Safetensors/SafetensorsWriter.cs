using System.Buffers.Binary;
using System.Text.Json;

namespace Engram.Data.Safetensors;

/// <summary>A tensor to write: name, element type, shape and its little-endian bytes.</summary>
public sealed class SafetensorsTensor
{
    private SafetensorsTensor(string name, SafetensorsDtype dtype, long[] shape, byte[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__")
        {
            throw new ArgumentException("A tensor cannot be called __metadata__: the header keeps that name for metadata.", nameof(name));
        }

        long count = shape.Aggregate(1L, (a, d) => d < 0 ? throw new ArgumentException($"Tensor '{name}' has a negative dimension.", nameof(shape)) : a * d);
        if (data.LongLength != count * SafetensorsDtypes.Size(dtype))
        {
            throw new ArgumentException(
                $"Tensor '{name}' is {dtype} of shape [{string.Join(", ", shape)}], which needs {count * SafetensorsDtypes.Size(dtype)} bytes; got {data.Length}.", nameof(data));
        }

        Name = name;
        Dtype = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>The tensor's name in the header.</summary>
    public string Name { get; }

    /// <summary>The element type of <see cref="Data"/>.</summary>
    public SafetensorsDtype Dtype { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The values' little-endian bytes, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>A 32-bit float tensor called <paramref name="name"/> with the values and shape of <paramref name="tensor"/>.</summary>
    public static SafetensorsTensor FromFloat32(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return FromFloat32(name, tensor.Span.ToArray(), tensor.Shape.ToArray());
    }

    /// <summary>A 32-bit float tensor called <paramref name="name"/> of <paramref name="values"/> (row-major) and <paramref name="shape"/>.</summary>
    public static SafetensorsTensor FromFloat32(string name, float[] values, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return new SafetensorsTensor(name, SafetensorsDtype.F32, shape.Select(d => (long)d).ToArray(), bytes);
    }

    /// <summary>Raw little-endian data of any dtype (BOOL: one byte, 0 or 1, per value).</summary>
    public static SafetensorsTensor FromBytes(string name, SafetensorsDtype dtype, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        return new SafetensorsTensor(name, dtype, (long[])shape.Clone(), (byte[])data.Clone());
    }
}

/// <summary>
/// Writes safetensors files: the header (tensors by element size, largest first, then name; offsets contiguous; padded with
/// spaces to a multiple of 8 bytes as the reference implementation does), then the data. The file
/// is written to a temporary file, flushed and renamed into place, so a crash never leaves a
/// half-written file under the final name.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (distinct names) and <paramref name="metadata"/> to <paramref name="path"/>, replacing it whole.</summary>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);

        // Everything is checked before the first byte is written.
        // Largest elements first, then by name (as the reference implementation does): every tensor
        // then starts at a multiple of its element size, so readers can map it without copying.
        SafetensorsTensor[] sorted = tensors
            .OrderByDescending(t => SafetensorsDtypes.Size(t.Dtype))
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
        string? duplicate = sorted.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two tensors are called '{duplicate}'; names must be unique.", nameof(tensors));
        }

        byte[] header = Header(sorted, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (SafetensorsTensor t in sorted)
            {
                stream.Write(t.Data);
            }
        });
    }

    private static byte[] Header(SafetensorsTensor[] sorted, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensor t in sorted)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Dtype.ToString());
                json.WriteStartArray("shape");
                foreach (long d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.LongLength;
            }

            json.WriteEndObject();
        }

        int padded = (int)((buffer.Length + 7) / 8 * 8);
        byte[] header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).CopyTo(header);
        header.AsSpan((int)buffer.Length).Fill((byte)' ');
        return header;
    }
}
