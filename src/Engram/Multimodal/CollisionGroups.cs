using System.Globalization;
using Engram.Engines;
using Engram.Hen;

namespace Engram.Multimodal;

/// <summary>
/// Items that a cue of one slot cannot tell apart, gathered into groups (every item linked to another by a store-time
/// <see cref="Collision"/> is in its group) and said once per group, as a person reads them: "32 items share the caption
/// 'gramastar'", "5 images are blank (one flat colour) and identical", rather than one line per pair. The CLI's
/// <c>engram build</c> and the explorer's /api/memory both show these lines (<see cref="MultimodalMemory.Warnings"/>).
/// </summary>
public static class CollisionGroups
{
    /// <summary>How many items a line names before it says "and N more".</summary>
    public const int NamedItems = 5;

    /// <summary>The groups of <paramref name="memory"/>'s collisions: one per set of items that share a cue, largest first.</summary>
    public static IReadOnlyList<CollisionGroup> Find(MultimodalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return Find(memory.Network.Collisions, memory.Count);
    }

    /// <summary>The groups of <paramref name="collisions"/> among <paramref name="count"/> items: one per connected set of items in each slot, largest first.</summary>
    public static IReadOnlyList<CollisionGroup> Find(IReadOnlyList<Collision> collisions, int count)
    {
        ArgumentNullException.ThrowIfNull(collisions);
        var groups = new List<CollisionGroup>();
        foreach (IGrouping<string, Collision> slot in collisions.GroupBy(c => c.Slot, StringComparer.Ordinal))
        {
            var parent = new Dictionary<int, int>();
            int Root(int i)
            {
                while (parent.TryGetValue(i, out int p) && p != i)
                {
                    parent[i] = parent.TryGetValue(p, out int q) ? q : p;
                    i = p;
                }

                return i;
            }

            var exact = new Dictionary<int, bool>();
            foreach (Collision c in slot)
            {
                if ((uint)c.First >= (uint)count || (uint)c.Second >= (uint)count)
                {
                    throw new ArgumentException($"Collision ({c.First}, {c.Second}) in slot '{c.Slot}' names an item outside the {count} stored.", nameof(collisions));
                }

                parent.TryAdd(c.First, c.First);
                parent.TryAdd(c.Second, c.Second);
                int a = Root(c.First), b = Root(c.Second);
                if (a != b)
                {
                    parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }

            foreach (Collision c in slot)
            {
                int root = Root(c.First);
                exact[root] = exact.GetValueOrDefault(root, true) && c.RelativeDistance == 0;
            }

            groups.AddRange(parent.Keys.GroupBy(Root).Select(g => new CollisionGroup(slot.Key, [.. g.Order()], exact[g.Key])));
        }

        return [.. groups.OrderByDescending(g => g.Items.Count).ThenBy(g => g.Slot, StringComparer.Ordinal).ThenBy(g => g.Items[0])];
    }

    /// <summary>One line per group of <paramref name="memory"/>'s collisions, largest first (see <see cref="Describe(CollisionGroup, MultimodalMemory)"/>).</summary>
    public static IReadOnlyList<string> Lines(MultimodalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return [.. Find(memory).Select(g => Describe(g, memory))];
    }

    /// <summary>
    /// What a person should read about one group: how many items, what they share (the caption when they all have one,
    /// "blank" images when the stored image codes are one flat value), the first <see cref="NamedItems"/> ids, and what
    /// it means for recall.
    /// </summary>
    public static string Describe(CollisionGroup group, MultimodalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(memory);
        int n = group.Items.Count;
        string identical = group.Exact ? "identical" : "nearly identical";
        string what;
        if (group.Slot == Modality.TextName)
        {
            string[] captions = [.. group.Items.Select(i => memory.Items[i].Caption ?? "").Distinct(StringComparer.Ordinal)];
            what = captions.Length == 1
                ? $"{n} items share the caption '{captions[0]}'"
                : $"{n} items have captions whose codes are {identical} ({string.Join(", ", captions.Take(NamedItems).Select(c => $"'{c}'"))}{More(captions.Length)})";
            return $"{what}: a caption cue alone recalls a mixture of them ({Ids(group, memory)}).";
        }

        if (group.Slot == Modality.ImageName)
        {
            what = group.Items.All(i => IsFlat(memory.StoredCodes(group.Slot, i, 1).Span))
                ? $"{n} images are blank (one flat colour) and {identical}"
                : $"{n} items have {identical} images";
        }
        else if (group.Slot == Modality.AudioName)
        {
            what = $"{n} items have {identical} sounds";
        }
        else
        {
            what = $"{n} items have {identical} codes in slot '{group.Slot}'";
        }

        return $"{what}: a cue of the {group.Slot} slot alone recalls a mixture of them ({Ids(group, memory)}).";
    }

    private static string Ids(CollisionGroup group, MultimodalMemory memory) =>
        string.Join(", ", group.Items.Take(NamedItems).Select(i => memory.Items[i].Id)) + More(group.Items.Count);

    private static string More(int count) =>
        count > NamedItems ? string.Create(CultureInfo.InvariantCulture, $" and {count - NamedItems:N0} more") : "";

    // A raw image of one flat colour stores every component alike (a trained codec's code of it is not flat, and is then called "identical images").
    private static bool IsFlat(ReadOnlySpan<float> code)
    {
        if (code.IsEmpty)
        {
            return false;
        }

        float min = System.Numerics.Tensors.TensorPrimitives.Min(code), max = System.Numerics.Tensors.TensorPrimitives.Max(code);
        return max - min <= 1e-6f * Math.Max(1f, Math.Abs(max));
    }
}

/// <summary>Items (indices, ascending) that a cue of <paramref name="Slot"/> cannot tell apart; <paramref name="Exact"/> when every pair's codes are identical.</summary>
public sealed record CollisionGroup(string Slot, IReadOnlyList<int> Items, bool Exact);
