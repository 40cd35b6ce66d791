using System.IO.Compression;
using Engram.Data;
using Engram.Tests.Support;

namespace Engram.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_read_a_plain_ubyte_image_file_scaled()
    {
        // Given 3 images of 2×2 bytes
        string path = Write("plain.idx", Header(0x08, 3, 2, 2).Concat(Enumerable.Range(0, 12).Select(i => (byte)(i * 20))).ToArray());

        // When
        IdxData data = IdxFile.Read(path, scale: 1.0 / 255);

        // Then
        Assert.Equal(IdxType.UInt8, data.Type);
        Assert.Equal([3, 2, 2], data.Dimensions);
        Assert.Equal([2, 2], data.ItemShape);
        Assert.Equal(3, data.Count);
        Assert.Equal(220f / 255f, data.Items[2, 3]);
        Assert.Equal(0f, data.Items[0, 0]);
    }

    [Fact]
    public void Should_read_a_gzipped_file_and_stop_after_max_items()
    {
        // Given
        byte[] raw = Header(0x08, 4, 3).Concat(Enumerable.Range(1, 12).Select(i => (byte)i)).ToArray();
        string path = Path.Combine(_folder, "z.idx.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Optimal))
        {
            gz.Write(raw);
        }

        // When
        IdxData data = IdxFile.Read(path, maxItems: 2);

        // Then
        Assert.Equal(2, data.Count);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], data.Items.Span.ToArray());
    }

    [Fact]
    public void Should_read_big_endian_float_and_int_files()
    {
        byte[] floats = Header(0x0D, 2).Concat(BitConverter.GetBytes(1.5f).Reverse()).Concat(BitConverter.GetBytes(-2f).Reverse()).ToArray();
        Assert.Equal([1.5f, -2f], IdxFile.Read(Write("f.idx", floats)).Items.Span.ToArray());
        byte[] ints = Header(0x0C, 1).Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }).ToArray();
        Assert.Equal([-2f], IdxFile.Read(Write("i.idx", ints)).Items.Span.ToArray());
    }

    [Fact]
    public void Should_name_the_file_and_offset_when_the_data_ends_early()
    {
        // Given a header promising 3 items of 4 bytes but only 5 bytes of data
        string path = Write("short.idx", Header(0x08, 3, 4).Concat(new byte[5]).ToArray());

        // When
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        // Then
        Assert.Equal(path, e.FilePath);
        Assert.Equal(12 + 5, e.Offset); // a 12-byte header (magic and two dimensions), then 5 bytes of data
        Assert.Contains("the file ends early", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_bad_magic_number_and_a_bad_type()
    {
        var magic = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("png.idx", [0x89, 0x50, 0x4E, 0x47, 0, 0])));
        Assert.Equal(0, magic.Offset);
        Assert.Contains("not an IDX file", magic.Message, StringComparison.Ordinal);

        var type = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("t.idx", [0, 0, 0x07, 1, 0, 0, 0, 1, 0])));
        Assert.Equal(2, type.Offset);
        Assert.Contains("unknown IDX type code 0x07", type.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_which_file_is_missing()
    {
        string path = Path.Combine(_folder, "nope.idx");
        var e = Assert.Throws<FileNotFoundException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_read_the_shipped_fashion_mnist_subset()
    {
        // Given the subset shipped in data/ (present in every checkout)
        string? folder = FashionMnist.ShippedDirectory();
        Assert.NotNull(folder);

        // When
        IdxData images = IdxFile.Read(Path.Combine(folder, "train-images-idx3-ubyte.gz"), scale: 1.0 / 255);
        IdxData labels = IdxFile.Read(Path.Combine(folder, "train-labels-idx1-ubyte.gz"));

        // Then: 2,000 28×28 images in [0, 1]; the first label of Fashion-MNIST's train file is 9 (ankle boot)
        Assert.Equal(2000, images.Count);
        Assert.Equal([28, 28], images.ItemShape);
        Assert.InRange(images.Items.Span.ToArray().Max(), 0.99f, 1f);
        Assert.Equal(2000, labels.Count);
        Assert.Equal(9f, labels.Items[0, 0]);
    }

    [Fact]
    public void Should_refuse_a_header_whose_item_count_overflows_naming_the_file()
    {
        // Given the 16-byte header that crashed the reader with an OverflowException: Int16, three
        // dimensions 536,930,912 × 1,912,602,685 × 28, whose product overflows a 64-bit integer
        string path = Write("overflow.idx", Convert.FromHexString("00000b032000ea607200003d0000001c"));

        // When
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        // Then the error names the file and says what the header claims
        Assert.Equal(path, e.FilePath);
        Assert.Contains("536930912 × 1912602685 × 28", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_more_items_than_an_array_holds_even_when_they_are_empty()
    {
        // Given Int32 items of shape [0], 2,147,483,647 of them (found by fuzz/run.sh idx at a million inputs)
        string path = Write("empty-items.idx", Convert.FromHexString("00000c027fffffff00000000bce106ffff759abf"));

        // When
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        // Then
        Assert.Equal(path, e.FilePath);
        Assert.Contains("2147483647 × 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_header_that_promises_more_values_than_the_file_holds_before_allocating_them()
    {
        // Given a 20-byte file whose header promises 100,000,000 bytes of values
        string path = Write("claims.idx", [.. Header(0x08, 10_000, 100, 100), 1, 2, 3, 4]);

        // When
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then it says so without allocating the 400 MB of floats
        Assert.Contains("the file holds 4 bytes of values", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static IEnumerable<byte> Header(byte type, params int[] dims)
    {
        yield return 0;
        yield return 0;
        yield return type;
        yield return (byte)dims.Length;
        foreach (int d in dims)
        {
            yield return (byte)(d >> 24);
            yield return (byte)(d >> 16);
            yield return (byte)(d >> 8);
            yield return (byte)d;
        }
    }
}

public sealed class DebianFashionMnistTests
{
    [DebianFashionMnistFact]
    public void Should_read_the_full_training_set_when_debian_installs_it()
    {
        // Given the Debian package, which FashionMnist prefers over the shipped subset
        string path = RequiredDependency.Require(
            File.Exists(DebianFashionMnistFactAttribute.TrainImages) ? DebianFashionMnistFactAttribute.TrainImages : null,
            DebianFashionMnistFactAttribute.Missing);
        Assert.Equal(path, FashionMnist.TrainImages());

        // When
        IdxData images = IdxFile.Read(path, scale: 1.0 / 255);

        // Then: 60,000 28×28 images, and the first 2,000 are the shipped subset's, byte for byte
        Assert.Equal([60000, 28, 28], images.Dimensions);
        IdxData shipped = IdxFile.Read(Path.Combine(FashionMnist.ShippedDirectory()!, "train-images-idx3-ubyte.gz"), scale: 1.0 / 255);
        Assert.Equal(shipped.Items.Span.ToArray(), images.Items.Rows(0, 2000).Span.ToArray());
    }
}
