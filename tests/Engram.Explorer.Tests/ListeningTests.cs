using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Engram.Explorer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Engram.Explorer.Tests;

/// <summary>
/// Where the explorer really listens, for every form of listen address: read from the server's bound endpoints, and
/// checked with sockets against this machine's own addresses (nothing is sent beyond this machine).
/// </summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class ListeningTests(ExplorerServer server)
{
    [Theory]
    [InlineData("http://127.0.0.1:")]
    [InlineData("http://127.0.0.1:abc")]
    [InlineData("http://127.0.0.1:5000abc")]
    [InlineData("http://localhost:abc")]
    [InlineData("http://[::1]:abc")]
    [InlineData("http://127.0.0.1:18750:18751")]
    [InlineData("http://127.0.0.1:70000")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:5000/explorer")]
    [InlineData("http://myhost:5000")]
    public void Should_refuse_a_malformed_listen_address_before_listening_anywhere(string url)
    {
        // Given a listen address the explorer cannot bind exactly, even with remote clients allowed
        // When the app is built
        var error = Assert.Throws<ArgumentException>(() => ExplorerApp.Create(server.Memory, new ExplorerOptions { Urls = url, AllowRemote = true }));

        // Then it is refused, naming the address, and nothing listens
        Assert.StartsWith($"'{url}' ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", "127.0.0.1")]
    [InlineData("http://127.0.0.1:0/", "127.0.0.1")]
    [InlineData("http://[::1]:0", "::1")]
    [InlineData("http://[::ffff:127.0.0.1]:0", "127.0.0.1")]
    [InlineData("http://127.0.0.1:0;http://[::1]:0", "127.0.0.1,::1")]
    [InlineData("http://localhost:{port}", "127.0.0.1,::1")]
    public async Task Should_listen_only_on_the_loopback_addresses_asked_for(string urls, string expected)
    {
        // Given a loopback listen address (localhost on a port that was free a moment ago)
        urls = urls.Replace("{port}", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        // When the explorer starts there
        await using WebApplication app = ExplorerApp.Create(server.Memory, new ExplorerOptions { Urls = urls });
        await app.StartAsync();
        try
        {
            // Then the server's bound endpoints are exactly those addresses
            IPEndPoint[] bound = Bound(app);
            Assert.Equal(expected.Split(',').Order(StringComparer.Ordinal), bound.Select(b => b.Address.ToString()).Order(StringComparer.Ordinal));

            // And every one of them accepts, while no other address of this machine does on those ports
            foreach (IPEndPoint endpoint in bound)
            {
                Assert.True(Accepts(endpoint), $"{endpoint} does not accept connections");
                foreach (IPAddress other in NonLoopbackAddresses())
                {
                    Assert.False(Accepts(new IPEndPoint(other, endpoint.Port)), $"{other}:{endpoint.Port} accepts connections, though only {urls} was asked for");
                }
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [LanAddressFact]
    public async Task Should_listen_on_a_lan_address_and_not_on_loopback_when_only_that_address_is_asked_for()
    {
        // Given this machine's first non-loopback IPv4 address, with remote clients allowed
        IPAddress lan = LanAddressFactAttribute.First!;

        // When the explorer listens on it
        await using WebApplication app = ExplorerApp.Create(server.Memory, new ExplorerOptions { Urls = $"http://{lan}:0", AllowRemote = true });
        await app.StartAsync();
        try
        {
            // Then it listens there and only there
            IPEndPoint endpoint = Assert.Single(Bound(app));
            Assert.Equal(lan, endpoint.Address);
            Assert.True(Accepts(endpoint), $"{endpoint} does not accept connections");
            Assert.False(Accepts(new IPEndPoint(IPAddress.Loopback, endpoint.Port)), $"127.0.0.1:{endpoint.Port} accepts connections, though only {lan} was asked for");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static IPEndPoint[] Bound(WebApplication app)
    {
        ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.SelectMany(a =>
        {
            // Kestrel reports localhost as it was asked; it binds it on both loopback addresses.
            var uri = new Uri(a);
            if (uri.Host == "localhost")
            {
                return new[] { new IPEndPoint(IPAddress.Loopback, uri.Port), new IPEndPoint(IPAddress.IPv6Loopback, uri.Port) };
            }

            Assert.True(IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip), $"bound to '{a}', not to an IP address");
            return [new IPEndPoint(ip, uri.Port)];
        }).ToArray();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Connects to one of this machine's own addresses: true if something accepts there.
    private static bool Accepts(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.ConnectAsync(endpoint).Wait(TimeSpan.FromSeconds(5));
            return socket.Connected;
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            return false;
        }
    }

    internal static IPAddress[] NonLoopbackAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal)
            .ToArray();
}
