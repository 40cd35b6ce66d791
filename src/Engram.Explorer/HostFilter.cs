using System.Net;
using Microsoft.AspNetCore.Http;

namespace Engram.Explorer;

/// <summary>
/// Answers only requests addressed to this machine. A page elsewhere could point a name of its own at this machine's
/// address (DNS rebinding) and read the API with the browser's help; the browser still sends that name as the Host, so
/// a request is answered only when its Host is a loopback name or address, a host the explorer was told to listen on,
/// an IP literal equal to the address the connection arrived on, or a name the user allowed. With remote clients
/// allowed, this still holds: they reach the explorer by its address, or by a name listed in
/// <see cref="ExplorerOptions.AllowedHosts"/>.
/// </summary>
internal sealed class HostFilter(IReadOnlyList<ListenAddress> listening, IReadOnlyList<string> allowed)
{
    private readonly HashSet<string> _names = new(
        listening.Where(a => a.Address is null || !a.IsAny).Select(a => a.Host).Concat(allowed).Select(Normal),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a request whose Host header names <paramref name="host"/>, arriving on <paramref name="local"/>, is answered.</summary>
    public bool Allows(string host, IPAddress? local)
    {
        if (host.Length == 0 || ListenAddress.IsLoopbackHost(host) || _names.Contains(Normal(host)))
        {
            return true;
        }

        if (!ListenAddress.TryParseLiteral(host, out IPAddress? address))
        {
            return false;
        }

        // An address the connection really arrived on cannot be a rebound name.
        IPAddress? arrived = local is { IsIPv4MappedToIPv6: true } ? local.MapToIPv4() : local;
        return address.Equals(arrived);
    }

    public Task RejectForeignHostsAsync(HttpContext context, RequestDelegate next)
    {
        string host = context.Request.Host.Host;
        return Allows(host, context.Connection.LocalIpAddress)
            ? next(context)
            : ExplorerApi.WriteErrorAsync(
                context,
                StatusCodes.Status400BadRequest,
                $"This explorer answers only requests addressed to localhost, a loopback address, the address it listens on, or a name allowed with --allowed-hosts; got '{host}'. " +
                "If you reach it by that name on purpose, start it with --allowed-hosts " + host + ".");
    }

    // IP literals compare in one spelling ([0:0::1] is ::1), names without a trailing dot (mybox.lan. is mybox.lan).
    private static string Normal(string host) =>
        ListenAddress.TryParseLiteral(host, out IPAddress? address) ? address.ToString()
        : host.EndsWith('.') ? host[..^1]
        : host;
}
