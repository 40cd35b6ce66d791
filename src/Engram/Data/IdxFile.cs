using System.Buffers.Binary;
using System.IO.Compression;

namespace Engram.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type code, the
/// number of dimensions, each dimension as a 32-bit integer) followed by the values in row-major
/// order. Gzipped files are recognised by their magic bytes and decompressed on the fly.
/// </summary>
public static class IdxFile
{
    private const int MaxDimensions = 8;

    /// <summary>
    /// Reads up to <paramref name="maxItems"/> items (slices along the first dimension) as floats,
    /// multiplied by <paramref name="scale"/> in double, then rounded (1.0/255 turns bytes into [0, 1]). Returns the tensor
    /// [items, product of the other dimensions] and the full shape of one item.
    /// </summary>
    public static IdxData Read(string path, int maxItems = int.MaxValue, double scale = 1.0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(maxItems);
        if (!File.Exists(path))
        {
            throw MissingFile.For(path, "an IDX file", "IDX");
        }

        using Stream file = File.OpenRead(path);
        bool gzip = IsGzip(file);
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        var reader = new CountingReader(stream, path);

        Span<byte> magic = stackalloc byte[4];
        reader.ReadExactly(magic, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new DataFormatException(path, 0, $"not an IDX file: the magic number must start with two zero bytes, found 0x{magic[0]:X2}{magic[1]:X2}.");
        }

        IdxType type = magic[2] switch
        {
            0x08 => IdxType.UInt8,
            0x09 => IdxType.Int8,
            0x0B => IdxType.Int16,
            0x0C => IdxType.Int32,
            0x0D => IdxType.Float32,
            0x0E => IdxType.Float64,
            _ => throw new DataFormatException(path, 2, $"unknown IDX type code 0x{magic[2]:X2} (known: 08, 09, 0B, 0C, 0D, 0E)."),
        };
        int rank = magic[3];
        if (rank is < 1 or > MaxDimensions)
        {
            throw new DataFormatException(path, 3, $"an IDX file has 1 to {MaxDimensions} dimensions; this one says {rank}.");
        }

        var dims = new int[rank];
        Span<byte> word = stackalloc byte[4];
        for (int d = 0; d < rank; d++)
        {
            long offset = reader.Position;
            reader.ReadExactly(word, $"dimension {d}");
            uint value = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (value > int.MaxValue)
            {
                throw new DataFormatException(path, offset, $"dimension {d} is {value}, too large.");
            }

            dims[d] = (int)value;
        }

        int size = ElementSize(type);
        int items = Math.Min(dims[0], maxItems);
        long itemLength = ItemLength(dims, items, path);
        long total = items * itemLength;
        if (!gzip && total * size > file.Length - reader.Position)
        {
            throw new DataFormatException(path, file.Length,
                $"the file ends early: the header promises {items} items of {itemLength} {type} values ({total * size} bytes), but the file holds {file.Length - reader.Position} bytes of values (it is truncated or its header is wrong).");
        }

        // A gzipped file's length says nothing of what it inflates to: the array grows with the data actually read.
        var values = new float[Math.Min(total, 1 << 20)];
        var buffer = new byte[(int)Math.Min(Math.Max(1, itemLength) * size * 64, 1 << 20)];
        long done = 0;
        while (done < total)
        {
            if (done == values.Length)
            {
                Array.Resize(ref values, (int)Math.Min(total, 2L * values.Length));
            }

            int count = (int)Math.Min(buffer.Length / size, values.Length - done);
            reader.ReadExactly(buffer.AsSpan(0, count * size),
                $"values {done}…{done + count - 1} of {total} (the header promises {dims[0]} items of {itemLength})");
            Decode(type, buffer.AsSpan(0, count * size), values.AsSpan((int)done, count), scale);
            done += count;
        }

        return new IdxData(path, type, dims, Tensor.FromArray(values, items, (int)itemLength));
    }

    /// <summary>The values in one item (the product of the dimensions after the first), refused when the items read would not fit in one tensor.</summary>
    private static long ItemLength(int[] dims, int items, string path)
    {
        long itemLength = dims.Skip(1).Contains(0) ? 0 : 1;
        for (int d = 1; d < dims.Length && itemLength > 0 && itemLength <= Array.MaxLength; d++)
        {
            itemLength *= dims[d];
        }

        // The items become a tensor [items, itemLength]: each dimension, and their product, must fit in one array.
        if (items > Array.MaxLength || itemLength > Array.MaxLength || (items > 0 && itemLength > Array.MaxLength / items))
        {
            throw new DataFormatException(path, 4,
                $"the header declares {string.Join(" × ", dims)} values: {items} items of that size do not fit in one array ({Array.MaxLength} values at most); the header is corrupt, or read fewer items.");
        }

        return itemLength;
    }

    private static bool IsGzip(Stream file)
    {
        Span<byte> head = stackalloc byte[2];
        int read = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && head[0] == 0x1F && head[1] == 0x8B;
    }

    private static int ElementSize(IdxType type) => type switch
    {
        IdxType.UInt8 or IdxType.Int8 => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        _ => 8,
    };

    private static void Decode(IdxType type, ReadOnlySpan<byte> bytes, Span<float> destination, double scale)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            double v = type switch
            {
                IdxType.UInt8 => bytes[i],
                IdxType.Int8 => (sbyte)bytes[i],
                IdxType.Int16 => BinaryPrimitives.ReadInt16BigEndian(bytes[(i * 2)..]),
                IdxType.Int32 => BinaryPrimitives.ReadInt32BigEndian(bytes[(i * 4)..]),
                IdxType.Float32 => BinaryPrimitives.ReadSingleBigEndian(bytes[(i * 4)..]),
                _ => BinaryPrimitives.ReadDoubleBigEndian(bytes[(i * 8)..]),
            };
            destination[i] = (float)(v * scale);
        }
    }

    /// <summary>Reads exactly what is asked for, or throws naming the offset and what was missing.</summary>
    private sealed class CountingReader(Stream stream, string path)
    {
        public long Position { get; private set; }

        public void ReadExactly(Span<byte> destination, string what)
        {
            int read;
            try
            {
                read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new DataFormatException(path, Position, $"the gzip stream is corrupt while reading {what}: {e.Message}");
            }

            if (read < destination.Length)
            {
                throw new DataFormatException(path, Position + read, $"the file ends early: reading {what} needed {destination.Length} bytes, found {read}.");
            }

            Position += read;
        }
    }
}

/// <summary>The element type an IDX header declares.</summary>
public enum IdxType
{
    /// <summary>Unsigned bytes (type code 0x08), as Fashion-MNIST stores pixels and labels.</summary>
    UInt8,
    /// <summary>Signed bytes (0x09).</summary>
    Int8,
    /// <summary>Big-endian 16-bit integers (0x0B).</summary>
    Int16,
    /// <summary>Big-endian 32-bit integers (0x0C).</summary>
    Int32,
    /// <summary>Big-endian 32-bit floats (0x0D).</summary>
    Float32,
    /// <summary>Big-endian 64-bit floats (0x0E).</summary>
    Float64,
}

/// <summary>What <see cref="IdxFile.Read"/> returns: the items as rows of a tensor, and the declared shape.</summary>
public sealed record IdxData(string Path, IdxType Type, IReadOnlyList<int> Dimensions, Tensor Items)
{
    /// <summary>The number of items read (at most the first dimension).</summary>
    public int Count => Items.Shape[0];

    /// <summary>The shape of one item, e.g. [28, 28] for an image file, [] for a label file.</summary>
    public IReadOnlyList<int> ItemShape => Dimensions.Skip(1).ToArray();
}
