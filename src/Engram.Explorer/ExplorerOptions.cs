namespace Engram.Explorer;

/// <summary>How the explorer listens and what it accepts.</summary>
public sealed record ExplorerOptions
{
    /// <summary>Where <c>engram serve</c> listens unless told otherwise: this machine only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <summary>The largest request body (a PNG or WAV cue, base64 in JSON or uploaded): 8 MiB.</summary>
    public const long DefaultMaxRequestBytes = 8L * 1024 * 1024;

    /// <summary>How many items the separability histograms measure at most (all N² pairs of them are binned).</summary>
    public const int DefaultSeparabilityItems = 2000;

    /// <summary>Where to listen: one URL or several separated by ';'. Port 0 picks a free port (read it from the app's Urls once started).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>
    /// Whether URLs beyond the loopback interface are allowed. The explorer has no authentication, so by default it
    /// refuses to listen where other machines can reach it, and answers only requests addressed to a loopback host name.
    /// </summary>
    public bool AllowRemote { get; init; }

    /// <summary>The largest request body in bytes; a larger one is refused with 413 and a message naming the limit.</summary>
    public long MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>The most items the separability histograms measure (the first ones); the answer says when it is capped.</summary>
    public int SeparabilityItems { get; init; } = DefaultSeparabilityItems;

    /// <summary>A name for the memory on the page (usually its file name).</summary>
    public string? MemoryName { get; init; }

    /// <summary>Whether warnings and errors are logged to the console (<c>engram serve</c>); tests keep quiet.</summary>
    public bool ConsoleLogging { get; init; }
}
