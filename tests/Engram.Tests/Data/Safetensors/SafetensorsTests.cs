using System.Buffers.Binary;
using Engram.Data;
using Engram.Data.Safetensors;

namespace Engram.Tests.Data.Safetensors;

public sealed class SafetensorsTests : IDisposable
{
    private static readonly string s_fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "safetensors");
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-st-").FullName;

    // The values make_fixtures.py writes, as floats.
    private static readonly Dictionary<string, (SafetensorsDtype Dtype, long[] Shape, float[] Values)> s_expected = new()
    {
        ["f32"] = (SafetensorsDtype.F32, [3], [1.5f, -2.25f, 0.003f]),
        ["f16"] = (SafetensorsDtype.F16, [1, 3], [0.5f, -1f, 65504f]),
        ["bf16"] = (SafetensorsDtype.BF16, [3], [1f, -2f, 0.15625f]),
        ["f64"] = (SafetensorsDtype.F64, [2], [0.001f, -7.5f]),
        ["i64"] = (SafetensorsDtype.I64, [2], [-1099511627776f, 5f]),
        ["i32"] = (SafetensorsDtype.I32, [2], [-7f, 2147483647f]),
        ["i16"] = (SafetensorsDtype.I16, [2], [-300f, 300f]),
        ["i8"] = (SafetensorsDtype.I8, [2], [-128f, 127f]),
        ["u8"] = (SafetensorsDtype.U8, [2], [0f, 255f]),
        ["bool"] = (SafetensorsDtype.BOOL, [3], [1f, 0f, 1f]),
        ["scalar"] = (SafetensorsDtype.F32, [], [42f]),
        ["empty"] = (SafetensorsDtype.F32, [0, 4], []),
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_read_a_file_written_by_an_independent_python_writer()
    {
        using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(s_fixtures, "python-written.safetensors"));
        Assert.Equal("python", file.Metadata["source"]);
        Assert.Equal(s_expected.Count, file.Entries.Count);
        foreach ((string name, (SafetensorsDtype dtype, long[] shape, float[] values)) in s_expected)
        {
            Assert.Equal(dtype, file[name].Dtype);
            Assert.Equal(shape, file[name].Shape);
            Tensor t = file.ReadFloat32(name);
            Assert.Equal(shape.Select(d => (int)d).ToArray(), t.Shape.ToArray());
            Assert.Equal(values, t.Span.ToArray());
        }
    }

    [Fact]
    public void Should_write_the_bytes_that_the_python_reader_accepted()
    {
        // Given every dtype, built from the same values the Python script checks
        string path = Path.Combine(_folder, "engram-written.safetensors");
        SafetensorsWriter.Write(path, AllDtypes(), new Dictionary<string, string> { ["source"] = "engram", ["format"] = "pt" });
        string committed = Path.Combine(s_fixtures, "engram-written.safetensors");
        if (Environment.GetEnvironmentVariable("ENGRAM_WRITE_FIXTURES") == "1")
        {
            string source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../Fixtures/safetensors/engram-written.safetensors"));
            File.Copy(path, source, overwrite: true);
        }

        // Then the file is byte for byte the committed one, which make_fixtures.py reads and checks
        Assert.Equal(File.ReadAllBytes(committed), File.ReadAllBytes(path));

        // And it reads back
        using SafetensorsFile file = SafetensorsFile.Open(path);
        foreach ((string name, (_, _, float[] values)) in s_expected)
        {
            Assert.Equal(values, file.ReadFloat32(name).Span.ToArray());
        }

        Assert.Equal(0, (8 + BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path))) % 8);

        // And every tensor starts at a multiple of its element size
        Assert.All(file.Entries, e => Assert.Equal(0, e.Begin % (e.Dtype switch
        {
            SafetensorsDtype.F64 or SafetensorsDtype.I64 => 8,
            SafetensorsDtype.F32 or SafetensorsDtype.I32 => 4,
            SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.I16 => 2,
            _ => 1,
        })));
    }

    [Fact]
    public void Should_round_trip_a_large_float_tensor_through_the_memory_map()
    {
        var random = new Random(3);
        float[] values = Enumerable.Range(0, 4_000_000).Select(_ => (float)random.NextDouble()).ToArray();
        string path = Path.Combine(_folder, "big.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("encoder.weight", values, [2000, 2000]), SafetensorsTensor.FromFloat32("bias", [1f, 2f], [2])]);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(["bias", "encoder.weight"], file.Entries.Select(e => e.Name)); // both F32: by name
        Assert.Equal(values, file.ReadFloat32("encoder.weight").Span.ToArray());
    }

    [Fact]
    public void Should_leave_the_old_file_intact_when_writing_fails_halfway()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("a", [1f], [1])]);
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(path, Failing()));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("a", [1f], [1]), SafetensorsTensor.FromFloat32("a", [2f], [1])]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName));

        static IEnumerable<SafetensorsTensor> Failing()
        {
            yield return SafetensorsTensor.FromFloat32("b", [1f], [1]);
            throw new InvalidOperationException("the model went away");
        }
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8, "tensor 'a' is F32 of shape [2] (8 bytes) but its data_offsets span 4 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,40]}}", 4, "data_offsets [0,40] outside the 4 bytes of data")]
    [InlineData("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "has dtype Q4; known: F32")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3, "overlap")]
    [InlineData("[1,2]", 0, "must be a JSON object")]
    [InlineData("{\"a\":", 0, "not valid JSON")]
    public void Should_name_the_tensor_and_the_problem_in_a_corrupt_header(string header, int dataBytes, string problem)
    {
        string path = Path.Combine(_folder, "bad.safetensors");
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", "shape entry \"1\" that is not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", "shape entry [1] that is not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", "data_offsets [\"0\",4]")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,[4]]}}", "data_offsets [0,[4]]")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "tensor 'a' appears twice")]
    public void Should_name_the_file_when_a_shape_or_offset_is_not_a_number(string header, string problem)
    {
        // Given a header whose shape or data_offsets entry is a string or an array (or a name used twice)
        string path = Path.Combine(_folder, "typed.safetensors");
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        // When
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Open(path));

        // Then
        Assert.Equal(path, e.FilePath);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_file_of_an_empty_header_naming_it()
    {
        // Given 8 zero bytes: a header length of 0 and nothing after it (found by fuzz/run.sh memory)
        string path = Path.Combine(_folder, "empty-header.safetensors");
        File.WriteAllBytes(path, new byte[8]);

        // When
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Open(path));

        // Then
        Assert.Equal(path, e.FilePath);
        Assert.Contains("the header is not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_header_that_is_not_utf8()
    {
        // JsonDocument only notices invalid UTF-8 when a string is read; the reader must still say what is wrong
        string path = Path.Combine(_folder, "latin1.safetensors");
        byte[] json = [.. "{\"a"u8, 0xE9, .. "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}"u8];
        var bytes = new byte[8 + json.Length + 1];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_header_length_past_the_end_and_a_tiny_file()
    {
        string path = Path.Combine(_folder, "short.safetensors");
        File.WriteAllBytes(path, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);
        Assert.Contains("the header length says 200 bytes, but the file holds 2", Assert.Throws<DataFormatException>(() => SafetensorsFile.Open(path)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("the file is 3 bytes", Assert.Throws<DataFormatException>(() => SafetensorsFile.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_list_names_for_an_unknown_tensor_and_check_shapes_when_writing()
    {
        using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(s_fixtures, "python-written.safetensors"));
        Assert.Contains("has no tensor 'weights'; it has 12: bf16, bool", Assert.Throws<KeyNotFoundException>(() => file["weights"]).Message, StringComparison.Ordinal);
        Assert.Contains("needs 12 bytes; got 8", Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromFloat32("x", [1f, 2f], [3])).Message, StringComparison.Ordinal);
    }

    private static IEnumerable<SafetensorsTensor> AllDtypes()
    {
        foreach ((string name, (SafetensorsDtype dtype, long[] shape, float[] values)) in s_expected)
        {
            byte[] data = dtype switch
            {
                SafetensorsDtype.F32 => values.SelectMany(v => Le(b => BinaryPrimitives.WriteSingleLittleEndian(b, v), 4)).ToArray(),
                SafetensorsDtype.F16 => values.SelectMany(v => Le(b => BinaryPrimitives.WriteHalfLittleEndian(b, (Half)v), 2)).ToArray(),
                SafetensorsDtype.BF16 => values.SelectMany(v => Le(b => BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)), 2)).ToArray(),
                SafetensorsDtype.F64 => (name == "f64" ? new[] { 0.001, -7.5 } : values.Select(v => (double)v)).SelectMany(v => Le(b => BinaryPrimitives.WriteDoubleLittleEndian(b, v), 8)).ToArray(),
                SafetensorsDtype.I64 => values.SelectMany(v => Le(b => BinaryPrimitives.WriteInt64LittleEndian(b, (long)v), 8)).ToArray(),
                SafetensorsDtype.I32 => new[] { -7, int.MaxValue }.SelectMany(v => Le(b => BinaryPrimitives.WriteInt32LittleEndian(b, v), 4)).ToArray(),
                SafetensorsDtype.I16 => values.SelectMany(v => Le(b => BinaryPrimitives.WriteInt16LittleEndian(b, (short)v), 2)).ToArray(),
                SafetensorsDtype.I8 => values.Select(v => (byte)(sbyte)v).ToArray(),
                _ => values.Select(v => (byte)v).ToArray(),
            };
            yield return SafetensorsTensor.FromBytes(name, dtype, shape, data);
        }
    }

    private static byte[] Le(Action<byte[]> write, int size)
    {
        var b = new byte[size];
        write(b);
        return b;
    }
}
