using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Tests.Multimodal;

public sealed class CollisionGroupsTests
{
    [Fact]
    public void Should_gather_pairs_into_one_group_per_connected_set_of_items_in_each_slot()
    {
        // Given pairs 0–1, 1–2 and 5–6 in the text slot, 3–4 in the image slot (one of them only nearly identical)
        Collision[] pairs =
        [
            new("text", 0, 1, 0), new("text", 1, 2, 0), new("text", 5, 6, 0), new("image", 3, 4, 1e-4),
        ];

        // When
        IReadOnlyList<CollisionGroup> groups = CollisionGroups.Find(pairs, 8);

        // Then the largest group first, then by slot and first item
        Assert.Equal(
            [("text", "0 1 2", true), ("image", "3 4", false), ("text", "5 6", true)],
            groups.Select(g => (g.Slot, string.Join(' ', g.Items), g.Exact)));
        Assert.Throws<ArgumentException>(() => CollisionGroups.Find([new Collision("text", 0, 9, 0)], 8));
    }

    [Fact]
    public void Should_say_once_that_items_share_a_caption_and_that_blank_images_are_alike()
    {
        // Given seven emoji captioned alike and three of them blank white, stored as raw pixels with the n-gram text encoder
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 12);
        var items = emoji.Select((e, i) => new MemoryItem(e.Id, i < 7 ? "gramastar" : e.Caption)).ToArray();
        Tensor images = DatasetImages.Load(emoji, 8, grey: true);
        for (int i = 9; i < 12; i++)
        {
            images.Row(i).Fill(1f);
        }

        MemoryEncoders encoders = MemoryEncoders.Open("raw", Path.Combine(ShippedData.Find("models")!, "emoji-text.safetensors"), null, new ImageShape(1, 8, 8));

        // When it is built
        MultimodalMemory memory = MultimodalMemory.Build(items, encoders, images);

        // Then two lines, not 21 + 3 pairs
        string[] ids = [.. emoji.Select(e => e.Id)];
        Assert.Equal(
            [
                $"7 items share the caption 'gramastar': a caption cue alone recalls a mixture of them ({string.Join(", ", ids[..5])} and 2 more).",
                $"3 images are blank (one flat colour) and identical: a cue of the image slot alone recalls a mixture of them ({string.Join(", ", ids[9..])}).",
            ],
            memory.Warnings);
        Assert.Equal(21 + 3, memory.Network.Collisions.Count);
    }
}
