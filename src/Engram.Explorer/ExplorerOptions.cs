namespace Engram.Explorer;

/// <summary>How the explorer listens and what it accepts.</summary>
public sealed record ExplorerOptions
{
    /// <summary>Where <c>engram serve</c> listens unless told otherwise: this machine only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <summary>The largest request body (an image or WAV cue, base64 in JSON or uploaded): 8 MiB.</summary>
    public const long DefaultMaxRequestBytes = 8L * 1024 * 1024;

    /// <summary>The most pixels an uploaded image cue may have: 24 megapixels (a 6000 × 4000 camera photo).</summary>
    /// <remarks>A cue is resized to the memory's image size (such as 32 × 32), but it is decoded whole first, at 16 bytes a
    /// pixel as RGBA floats and more while it is padded and resized; this bounds what one upload can make the explorer allocate.</remarks>
    public const long DefaultMaxImagePixels = 24_000_000;

    /// <summary>How many items the separability histograms measure at most (all N² pairs of them are binned).</summary>
    public const int DefaultSeparabilityItems = 2000;

    /// <summary>
    /// Where to listen: one URL or several separated by ';', each an IP address, <c>localhost</c> or <c>*</c> with a port, such as
    /// <c>http://127.0.0.1:5000</c> (see <see cref="ListenAddress"/>). Port 0 picks a free port (read it from the app's Urls once started).
    /// </summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>
    /// Whether URLs beyond the loopback interface are allowed. The explorer has no authentication, so by default it
    /// refuses to listen where other machines can reach it. Either way it answers only requests whose Host is a loopback
    /// name or address, a host it listens on, the address the connection arrived on, or one of <see cref="AllowedHosts"/>.
    /// </summary>
    public bool AllowRemote { get; init; }

    /// <summary>More host names (or addresses) to answer requests for, beside the loopback names and the addresses listened on: the names clients use to reach the explorer.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>The largest request body in bytes; a larger one is refused with 413 and a message naming the limit.</summary>
    public long MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>The most pixels (width × height) an uploaded image (any format) may have, read from its header; a larger one is refused with 400, before it is decoded.</summary>
    public long MaxImagePixels { get; init; } = DefaultMaxImagePixels;

    /// <summary>The most items the separability histograms measure (the first ones); the answer says when it is capped.</summary>
    public int SeparabilityItems { get; init; } = DefaultSeparabilityItems;

    /// <summary>A name for the memory on the page (usually its file name).</summary>
    public string? MemoryName { get; init; }

    /// <summary>Whether warnings and errors are logged to the console (<c>engram serve</c>); tests keep quiet.</summary>
    public bool ConsoleLogging { get; init; }
}
