using System.Text.Json.Nodes;
using Engram.Data.Safetensors;
using Engram.Encoders;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Tests.Hen;

/// <summary>
/// A memory file damaged after it was written (one value, two rows, an id, a caption) is refused on open with a
/// message naming the file and what was wrong, unless the checksum is skipped; files written before the checksum open.
/// </summary>
public sealed class MemoryFileIntegrityTests : IDisposable
{
    private const string MetadataKey = "engram.memory";

    private readonly string _folder = Directory.CreateTempSubdirectory("engram-integrity-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Eight raw 3×4×4 images with captions (no encoder weights, so the test needs nothing shipped).
    private string SaveMemory()
    {
        var random = new Random(14);
        var images = new Tensor(8, 3 * 4 * 4);
        for (int i = 0; i < images.Length; i++)
        {
            images.Span[i] = (float)random.NextDouble();
        }

        MemoryItem[] items = Enumerable.Range(0, 8).Select(i => new MemoryItem($"item-{i}", $"caption {i}")).ToArray();
        MultimodalMemory memory = MultimodalMemory.Build(items, MemoryEncoders.Open("raw", null, null, new ImageShape(3, 4, 4)), images);
        string path = Path.Combine(_folder, "m.engram");
        memory.Save(path);
        return path;
    }

    // Rewrites the file as a damaged copy would be: the same metadata (checksum included) but for what the edits change.
    private static void Damage(string path, Action<float[], int>? patterns = null, Action<JsonObject>? metadata = null)
    {
        float[] values;
        int[] shape;
        JsonObject contents;
        using (SafetensorsFile file = SafetensorsFile.Open(path))
        {
            Tensor stored = file.ReadFloat32("patterns");
            values = stored.Span.ToArray();
            shape = stored.Shape.ToArray();
            contents = JsonNode.Parse(file.Metadata[MetadataKey])!.AsObject();
        }

        patterns?.Invoke(values, shape[1]);
        metadata?.Invoke(contents);
        SafetensorsWriter.Write(
            path, [SafetensorsTensor.FromFloat32("patterns", values, shape)],
            new Dictionary<string, string>(StringComparer.Ordinal) { [MetadataKey] = contents.ToJsonString() });
    }

    private static JsonArray Items(JsonObject contents) => contents["items"]!.AsArray();

    public static TheoryData<string> Damages => ["one value set to 1e30", "two rows swapped", "a caption changed", "two rows swapped with their ids"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void Should_refuse_a_memory_whose_content_changed_after_it_was_written(string damage)
    {
        // Given a saved memory, damaged afterwards
        string path = SaveMemory();
        Damage(path, damage switch
        {
            "one value set to 1e30" => (p, _) => p[3 * 48 + 5] = 1e30f,
            "two rows swapped" or "two rows swapped with their ids" => (p, length) =>
            {
                float[] row = p.AsSpan(length, length).ToArray();
                p.AsSpan(2 * length, length).CopyTo(p.AsSpan(length, length));
                row.CopyTo(p.AsSpan(2 * length, length));
            },
            _ => null,
        }, damage switch
        {
            "a caption changed" => m => Items(m)[4]!["caption"] = "caption four",
            "two rows swapped with their ids" => m =>
            {
                JsonArray items = Items(m);
                JsonNode one = items[1]!.DeepClone(), two = items[2]!.DeepClone();
                items[1] = two;
                items[2] = one;
            },
            _ => null,
        });

        // When it is opened
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path));

        // Then it is refused, naming the file, the checksum and what to do
        Assert.Contains($"The memory file {path} is damaged", error.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Contains("Rebuild it with `engram build`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_open_a_damaged_memory_when_told_to_skip_the_checksum_and_say_it_was_not_checked()
    {
        // Given a memory with one stored value set to 1e30
        string path = SaveMemory();
        Damage(path, (p, _) => p[5] = 1e30f);

        // When it is opened without the checksum
        MultimodalMemory memory = MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = false });

        // Then it opens, with the damaged value, and says it was not checked
        Assert.Equal(1e30f, memory.Network.Memory.Bank.Patterns.Span[5]);
        Assert.Equal(MemoryChecksum.Skipped, memory.Checksum);
        Assert.Contains("not checked", memory.ChecksumNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_verify_an_undamaged_memory_and_record_its_checksum()
    {
        // Given a saved memory
        string path = SaveMemory();

        // When it is opened
        MultimodalMemory memory = MultimodalMemory.Load(path);

        // Then its checksum was verified, and the file records it beside the format version
        Assert.Equal(MemoryChecksum.Verified, memory.Checksum);
        Assert.Null(memory.ChecksumNote);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        JsonObject contents = JsonNode.Parse(file.Metadata[MetadataKey])!.AsObject();
        Assert.Equal(3, (int)contents["version"]!);
        Assert.Matches("^[0-9a-f]{64}$", (string)contents["sha256"]!);
    }

    [Fact]
    public void Should_refuse_two_items_with_one_id_even_without_the_checksum()
    {
        // Given a memory whose item 5 was given item 2's id
        string path = SaveMemory();
        Damage(path, metadata: m => Items(m)[5]!["id"] = "item-2");

        // When it is opened, checked or not
        foreach (var options in new[] { new MemoryLoadOptions(), new MemoryLoadOptions { VerifyChecksum = false } })
        {
            var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path, options));

            // Then it is refused, naming both items and the id
            Assert.Contains($"The memory file {path} is damaged: items 2 and 5 have the same id 'item-2'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_refuse_an_item_without_an_id_when_opened_rather_than_fail_at_recall()
    {
        // Given a memory whose item 6 lost its id
        string path = SaveMemory();
        Damage(path, metadata: m => Items(m)[6]!.AsObject().Remove("id"));

        // When it is opened without the checksum (the item table is checked regardless)
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = false }));

        // Then it is refused, naming the item
        Assert.Contains($"The memory file {path} is damaged: item 6 ('caption 6') has no id.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Should_refuse_a_stored_value_that_is_not_finite_even_without_the_checksum(float value)
    {
        // Given a memory with one stored value that is not finite
        string path = SaveMemory();
        Damage(path, (p, length) => p[(4 * length) + 7] = value);

        // When it is opened without the checksum
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = false }));

        // Then it is refused, naming the item and the component
        Assert.Contains("the stored pattern of item 'item-4' (row 4)", error.Message, StringComparison.Ordinal);
        Assert.Contains("at component 7; stored values must be finite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_rows_that_do_not_match_the_items()
    {
        // Given a memory that lost its last item from the table but not its row
        string path = SaveMemory();
        Damage(path, metadata: m => Items(m).RemoveAt(7));

        // When it is opened
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path));

        // Then the shapes are named
        Assert.Contains("the stored patterns are", error.Message, StringComparison.Ordinal);
        Assert.Contains("but the metadata describes 7 items of length 48", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_version_3_memory_whose_checksum_was_removed()
    {
        // Given a memory whose checksum was deleted from its metadata
        string path = SaveMemory();
        Damage(path, metadata: m => m.Remove("sha256"));

        // When it is opened, even without the checksum
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = false }));

        // Then it is refused
        Assert.Contains("records no checksum", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Should_open_a_memory_of_a_version_written_before_the_checksum_and_say_it_is_unverified(int version)
    {
        // Given a file as version 1 and 2 wrote it: the same content without a checksum
        string path = SaveMemory();
        Damage(path, metadata: m =>
        {
            m.Remove("sha256");
            m["version"] = version;
        });

        // When it is opened
        MultimodalMemory memory = MultimodalMemory.Load(path);

        // Then it opens, unverified, and says so in one line
        Assert.Equal(8, memory.Count);
        Assert.Equal(MemoryChecksum.Absent, memory.Checksum);
        Assert.Contains("unverified", memory.ChecksumNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_to_build_a_memory_whose_items_share_an_id_or_lack_one()
    {
        // Given items with a repeated id, and items with an empty one
        var encoders = MemoryEncoders.Open("raw", null, null, new ImageShape(1, 2, 2));
        var images = new Tensor(2, 4);
        images.Span.Fill(0.5f);

        // When they are built, Then each is refused before anything is stored
        Assert.Contains("items 0 and 1 have the same id 'a'", Assert.Throws<ArgumentException>(() =>
            MultimodalMemory.Build([new MemoryItem("a"), new MemoryItem("a")], encoders, images)).Message, StringComparison.Ordinal);
        Assert.Contains("item 1 has no id", Assert.Throws<ArgumentException>(() =>
            MultimodalMemory.Build([new MemoryItem("a"), new MemoryItem(" ")], encoders, images)).Message, StringComparison.Ordinal);
    }

    // Descriptions the fuzzer (fuzz/run.sh memory --memory-open unchecked) found escaping Load as plain .NET exceptions.
    public static TheoryData<string> DescriptionDamages =>
    [
        "a slot of length 0", "a slot of weight 0", "a slot given twice", "a slot without a name", "a scale of 0",
        "steps 0", "β infinite", "a null encoder entry", "an encoder for no slot", "an encoder kind without weights", "a null item",
    ];

    [Theory]
    [MemberData(nameof(DescriptionDamages))]
    public void Should_refuse_a_damaged_description_as_damage_naming_the_file_even_without_the_checksum(string damage)
    {
        // Given a saved memory whose description was damaged
        string path = SaveMemory();
        Damage(path, metadata: m =>
        {
            JsonObject slot = m["slots"]![0]!.AsObject();
            switch (damage)
            {
                case "a slot of length 0": slot["length"] = 0; break;
                case "a slot of weight 0": slot["weight"] = 0; break;
                case "a slot given twice": m["slots"]!.AsArray().Add(slot.DeepClone()); break;
                case "a slot without a name": slot["name"] = null; break;
                case "a scale of 0": slot["scale"] = 0; break;
                case "steps 0": m["options"]!["steps"] = 0; break;
                case "β infinite": m["options"]!["beta"] = JsonNode.Parse("1e39"); break;
                case "a null encoder entry": m["encoders"]!.AsArray().Add(null); break;
                case "an encoder for no slot": m["encoders"]![0]!["slot"] = "1"; break;
                case "an encoder kind without weights": m["encoders"]![0]!["kind"] = "x"; break;
                case "a null item": Items(m)[2] = null; break;
                default: throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
            }
        });

        // When it is opened without the checksum (which would catch the change first), Then it is refused as damaged, by name
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = false }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", error.Message, StringComparison.Ordinal);

        // And with the checksum it is refused too
        Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path));
    }
}
