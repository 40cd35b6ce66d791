namespace Engram.Hen;

/// <summary>One slot of an item: a modality's code (e.g. "image", "text", "audio"), its length and its weight in the energy.</summary>
public sealed record Slot(string Name, int Index, int Offset, int Length, float Weight);

/// <summary>How an item's slots lie side by side in a stored pattern: [slot 0 | slot 1 | …].</summary>
public sealed class SlotLayout
{
    private readonly Slot[] _slots;

    /// <summary>Slots in order, each with its code length and weight.</summary>
    public SlotLayout(IReadOnlyList<(string Name, int Length, float Weight)> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Count == 0)
        {
            throw new ArgumentException("An item needs at least one slot.", nameof(slots));
        }

        var list = new Slot[slots.Count];
        int offset = 0;
        for (int i = 0; i < slots.Count; i++)
        {
            var (name, length, weight) = slots[i];
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            if (length <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(slots), length, $"Slot '{name}' has length {length}; a slot needs at least one component.");
            }

            if (!(weight > 0) || !float.IsFinite(weight))
            {
                throw new ArgumentOutOfRangeException(nameof(slots), weight, $"Slot '{name}' has weight {weight}; weights must be positive and finite.");
            }

            if (list.Take(i).Any(s => s.Name == name))
            {
                throw new ArgumentException($"Slot '{name}' appears twice.", nameof(slots));
            }

            list[i] = new Slot(name, i, offset, length, weight);
            offset += length;
        }

        _slots = list;
        Length = offset;
    }

    /// <summary>The slots in order.</summary>
    public IReadOnlyList<Slot> Slots => _slots;

    /// <summary>The length of a whole item.</summary>
    public int Length { get; }

    /// <summary>The slot called <paramref name="name"/>; the error lists the slots there are.</summary>
    public Slot this[string name] => _slots.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"This memory has no '{name}' slot; its slots are {string.Join(", ", _slots.Select(s => s.Name))}.", nameof(name));

    /// <summary>Whether a slot called <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _slots.Any(s => s.Name == name);
}
