using System.Globalization;
using System.Net;

namespace Engram.Explorer;

/// <summary>
/// One address the explorer listens on, parsed strictly from a URL such as <c>http://127.0.0.1:5000</c>: an IP
/// address (or <c>localhost</c>, or Kestrel's wildcard <c>*</c>/<c>+</c> for every interface) and a port. The
/// explorer binds exactly these endpoints, never the URL text, so an address that is not understood is refused
/// rather than bound to every interface.
/// </summary>
/// <remarks>
/// The authority is split by hand only to say precisely what is wrong (a missing port, an extra ':'); the host is
/// read by <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> and <see cref="Uri.CheckHostName(string?)"/>,
/// the port by <see cref="int.TryParse(string?, NumberStyles, IFormatProvider?, out int)"/> with digits only, and
/// the whole URL must also be a valid <see cref="Uri"/>. Kestrel's own <c>BindingAddress</c> is not used: it reads
/// <c>127.0.0.1:abc</c> as a host name, and Kestrel listens on every interface for any host it cannot parse.
/// </remarks>
public sealed record ListenAddress
{
    private ListenAddress(string url, string host, IPAddress? address, int port)
    {
        Url = url;
        Host = host;
        Address = address;
        Port = port;
    }

    /// <summary>The URL as given.</summary>
    public string Url { get; }

    /// <summary>The host as given, without brackets: an IP address, <c>localhost</c>, <c>*</c> or <c>+</c>.</summary>
    public string Host { get; }

    /// <summary>The IP address to bind (an IPv4-mapped IPv6 address is bound as its IPv4 address); null for <c>localhost</c>.</summary>
    public IPAddress? Address { get; }

    /// <summary>The port, 0 to 65535 (0 picks a free port).</summary>
    public int Port { get; }

    /// <summary>Whether this is <c>localhost</c> (bound on 127.0.0.1 and [::1]).</summary>
    public bool IsLocalhost => Address is null;

    /// <summary>Whether only this machine can connect: localhost, 127.0.0.0/8 or ::1 (not 0.0.0.0, [::], * or a LAN address).</summary>
    public bool IsLoopback => Address is null || IPAddress.IsLoopback(Address);

    /// <summary>Whether this listens on every interface (0.0.0.0, [::], * or +).</summary>
    public bool IsAny => Address is not null && (Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any));

    /// <summary>Splits <paramref name="urls"/> (';'-separated) and parses each; refuses an empty list, a malformed address or the same one twice, saying which and why.</summary>
    public static IReadOnlyList<ListenAddress> ParseList(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        string[] list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
        {
            throw new ArgumentException("Give a URL to listen on, such as http://127.0.0.1:5000.");
        }

        var parsed = new List<ListenAddress>(list.Length);
        foreach (string url in list)
        {
            ListenAddress address = Parse(url);
            if (parsed.Any(p => p.Port == address.Port && p.Port != 0 && Equals(p.Address, address.Address)))
            {
                throw new ArgumentException($"'{url}' is given twice: list each address to listen on once.");
            }

            parsed.Add(address);
        }

        return parsed;
    }

    /// <summary>Parses one URL such as <c>http://127.0.0.1:5000</c>, <c>http://[::1]:0</c>, <c>http://localhost:8080</c> or <c>http://*:5000</c>, or says what is wrong with it.</summary>
    public static ListenAddress Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string example = " Listen on a URL such as http://127.0.0.1:5000 (port 0 picks a free port).";
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            throw Refused(url, "is not an http URL." + example);
        }

        string name = url[..scheme];
        if (name.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            throw Refused(url, "asks for https, which needs a certificate; the explorer serves plain http (on loopback nothing leaves the machine). Use http://.");
        }

        if (!name.Equals("http", StringComparison.OrdinalIgnoreCase))
        {
            throw Refused(url, $"has the scheme '{name}'; the explorer serves http." + example);
        }

        string rest = url[(scheme + 3)..];
        int end = rest.IndexOfAny(['/', '?', '#']);
        string authority = end < 0 ? rest : rest[..end];
        string tail = end < 0 ? "" : rest[end..];
        if (tail.Length > 0 && tail != "/")
        {
            throw Refused(url, $"has a path, query or fragment ('{tail}'); the explorer serves at the root of its address. Leave it out.");
        }

        if (authority.Contains('@', StringComparison.Ordinal))
        {
            throw Refused(url, "has a user name before '@'; the explorer has no accounts. Leave it out.");
        }

        (string host, string? port) = SplitAuthority(url, authority);
        if (host.Length == 0)
        {
            throw Refused(url, "has no host." + example);
        }

        if (port is null)
        {
            throw Refused(url, $"has no port; give one after the host, such as http://{Bracketed(host)}:5000 (0 picks a free port).");
        }

        if (port.Length == 0)
        {
            throw Refused(url, $"has nothing after the ':' where the port goes; give one, such as http://{Bracketed(host)}:5000 (0 picks a free port).");
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > IPEndPoint.MaxPort)
        {
            throw Refused(url, $"has the port '{port}'; a port is a whole number from 0 to {IPEndPoint.MaxPort} (0 picks a free port).");
        }

        IPAddress? address = Bindable(url, host, number);

        // The rest is for the framework's parser to agree with: Kestrel's wildcards are not URI hosts, so check the URL with 0.0.0.0 in their place.
        string checkable = host is "*" or "+" ? $"http://0.0.0.0:{port}{tail}" : url;
        if (!Uri.TryCreate(checkable, UriKind.Absolute, out Uri? uri) || uri.Port != number)
        {
            throw Refused(url, "is not a valid URL." + example);
        }

        return new ListenAddress(url, host, address, number);
    }

    /// <summary>Whether <paramref name="host"/> (a Host header's host, brackets allowed) names this machine's loopback: localhost or a loopback IP literal.</summary>
    public static bool IsLoopbackHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (TryParseLiteral(host, out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    /// <summary>
    /// Reads <paramref name="host"/> as an IP literal only (IPv4 dotted quad or IPv6, brackets allowed), never as a name; an
    /// IPv4-mapped IPv6 address comes back as its IPv4 address.
    /// </summary>
    public static bool TryParseLiteral(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(host);
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        address = null;
        if (Uri.CheckHostName(bare) is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) || !IPAddress.TryParse(bare, out IPAddress? parsed))
        {
            return false;
        }

        address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Url;

    // host[:port] or [v6][:port]; port is null when there is no ':' at all, "" when nothing follows it.
    private static (string Host, string? Port) SplitAuthority(string url, string authority)
    {
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Refused(url, "opens an IPv6 address with '[' but never closes it with ']'; write it as http://[::1]:5000.");
            }

            string after = authority[(close + 1)..];
            if (after.Length > 0 && after[0] != ':')
            {
                throw Refused(url, $"has '{after}' after the IPv6 address; only ':' and a port may follow it, as in http://[::1]:5000.");
            }

            if (after.Length > 1 && after.IndexOf(':', 1) >= 0)
            {
                throw Refused(url, $"has an extra ':' in '{after}'; give one port, as in http://[::1]:5000.");
            }

            return (authority[1..close], after.Length == 0 ? null : after[1..]);
        }

        int colon = authority.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (authority, null);
        }

        if (authority.IndexOf(':', colon + 1) >= 0)
        {
            throw Refused(url, $"has more than one ':' in '{authority}'; give one host and one port, as in http://127.0.0.1:5000 (an IPv6 address goes in brackets: http://[::1]:5000).");
        }

        return (authority[..colon], authority[(colon + 1)..]);
    }

    private static IPAddress? Bindable(string url, string host, int port)
    {
        if (host is "*" or "+")
        {
            return IPAddress.IPv6Any;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                throw Refused(url, "asks for a free port on localhost, which would be two ports (one on 127.0.0.1, one on [::1]); use http://127.0.0.1:0 or http://[::1]:0.");
            }

            return null;
        }

        if (!TryParseLiteral(host, out IPAddress? address))
        {
            throw Refused(url, $"has the host '{host}', which is not an IP address; the explorer listens on an address (127.0.0.1, [::1], a LAN address, 0.0.0.0), localhost or * (every interface), never on a name it would have to look up.");
        }

        return address;
    }

    private static string Bracketed(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    private static ArgumentException Refused(string url, string what) => new($"'{url}' {what}");
}
