using System.Globalization;

namespace Engram.Data.Datasets;

/// <summary>What was wrong with one file, row or item of a dataset; the kinds are summarised in this order.</summary>
public enum DatasetProblemKind
{
    /// <summary>An image that could not be decoded (damaged, truncated, not an image, over the caps): its item is left out.</summary>
    Undecodable,

    /// <summary>A sound that could not be read: its item is left out.</summary>
    UnreadableSound,

    /// <summary>An item without any caption while the memory has a text slot: it is left out.</summary>
    NoCaption,

    /// <summary>An item without a sound while the memory was asked for an audio slot: it is left out.</summary>
    NoSoundLeftOut,

    /// <summary>An item without a sound while others have one: the audio slot is left out of the memory.</summary>
    NoSound,

    /// <summary>A row of captions.csv that names no image of the folder: its caption is not used.</summary>
    UnmatchedCaptionRow,

    /// <summary>A row of captions.csv that cannot be read (the wrong number of fields, no file name): it is not used.</summary>
    BadCaptionRow,

    /// <summary>A caption file (a .txt beside an image) that cannot be read: the image's other caption sources are used.</summary>
    BadCaptionFile,
}

/// <summary>
/// One problem with a dataset: its kind, what it is about (a file relative to the folder, or a captions.csv row) and
/// the detail (the decoder's message, the row's fault), when there is one.
/// </summary>
public sealed record DatasetProblem(DatasetProblemKind Kind, string Subject, string? Detail = null)
{
    /// <summary>Whether the problem cost an item its place in the memory (rather than a caption, a row or the audio slot).</summary>
    public bool LeavesItemOut => Kind is DatasetProblemKind.Undecodable or DatasetProblemKind.UnreadableSound or DatasetProblemKind.NoCaption or DatasetProblemKind.NoSoundLeftOut;
}

/// <summary>
/// Every problem of a dataset said once, grouped by kind ("3 files could not be decoded: a.jpg (…), b.png (…), c.gif (…);
/// 2 captions.csv rows match no file: …"), as <c>engram build</c> and <c>engram add --dataset</c> end with it and
/// <c>--strict</c> refuses with it.
/// </summary>
public static class DatasetProblems
{
    /// <summary>How many subjects a group names before it says "and N more".</summary>
    public const int NamedSubjects = 8;

    /// <summary>One line per kind of problem, in <see cref="DatasetProblemKind"/> order; empty when there are none.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<DatasetProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return [.. problems.GroupBy(p => p.Kind).OrderBy(g => g.Key).Select(g => Line(g.Key, [.. g]))];
    }

    /// <summary>The lines of <see cref="Lines"/> joined with "; ", ending with a full stop; empty when there are none.</summary>
    public static string Summary(IEnumerable<DatasetProblem> problems)
    {
        IReadOnlyList<string> lines = Lines(problems);
        return lines.Count == 0 ? "" : string.Join("; ", lines) + ".";
    }

    private static string Line(DatasetProblemKind kind, IReadOnlyList<DatasetProblem> problems)
    {
        int n = problems.Count;
        bool one = n == 1;
        string head = kind switch
        {
            DatasetProblemKind.Undecodable => one ? "1 file could not be decoded, so its item was left out" : $"{n:N0} files could not be decoded, so their items were left out",
            DatasetProblemKind.UnreadableSound => one ? "1 sound could not be read, so its item was left out" : $"{n:N0} sounds could not be read, so their items were left out",
            DatasetProblemKind.NoCaption => one
                ? "1 item has no caption (no captions.csv row, no .txt beside it, no title in the file), so it was left out"
                : $"{n:N0} items have no caption (no captions.csv row, no .txt beside them, no title in the file), so they were left out",
            DatasetProblemKind.NoSoundLeftOut => one
                ? "1 item has no sound (the audio slot needs one for every item), so it was left out"
                : $"{n:N0} items have no sound (the audio slot needs one for every item), so they were left out",
            DatasetProblemKind.NoSound => one ? "1 item has no sound, so the audio slot is left out" : $"{n:N0} items have no sound, so the audio slot is left out",
            DatasetProblemKind.UnmatchedCaptionRow => one ? "1 captions.csv row matches no file" : $"{n:N0} captions.csv rows match no file",
            DatasetProblemKind.BadCaptionRow => one ? "1 captions.csv row cannot be read" : $"{n:N0} captions.csv rows cannot be read",
            _ => one ? "1 caption file could not be read" : $"{n:N0} caption files could not be read",
        };
        string named = string.Join(", ", problems.Take(NamedSubjects).Select(p => p.Detail is null ? p.Subject : $"{p.Subject} ({p.Detail})"));
        string more = n > NamedSubjects ? string.Create(CultureInfo.InvariantCulture, $" and {n - NamedSubjects:N0} more") : "";
        return $"{head}: {named}{more}";
    }
}
