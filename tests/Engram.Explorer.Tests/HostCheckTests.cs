using System.Net;
using System.Text.Json;
using Engram.Explorer.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace Engram.Explorer.Tests;

/// <summary>The Host check (DNS-rebinding protection), which holds with remote clients allowed too.</summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class HostCheckTests(ExplorerServer server)
{
    [Fact]
    public async Task Should_answer_only_loopback_and_allowed_hosts_when_remote_clients_are_allowed()
    {
        // Given an explorer that allows remote clients and one extra name
        await using WebApplication app = ExplorerApp.Create(server.Memory, new ExplorerOptions { Urls = "http://127.0.0.1:0", AllowRemote = true, AllowedHosts = ["mybox.lan"] });
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

            // When requests arrive addressed to various hosts
            // Then a foreign name is refused, saying how to allow it, and loopback names and the allowed name are answered
            (int status, JsonElement body) = await GetAsync(client, "attacker.example");
            Assert.Equal(400, status);
            Assert.Contains("got 'attacker.example'", body.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains("--allowed-hosts attacker.example", body.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(400, (await GetAsync(client, "127.0.0.1.attacker.example")).Status);
            Assert.Equal(400, (await GetAsync(client, "mybox.lan.attacker.example")).Status);
            foreach (string host in new[] { "localhost", "127.0.0.1", "[::1]", "mybox.lan", "MYBOX.LAN", "mybox.lan." })
            {
                (status, body) = await GetAsync(client, host);
                Assert.True(status == 200, $"Host {host}: {status} {body}");
                Assert.Equal(ExplorerServer.ItemCount, body.GetProperty("count").GetInt32());
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Theory]
    [InlineData("192.0.2.2", "192.0.2.2", true)]
    [InlineData("192.0.2.2", "::ffff:192.0.2.2", true)]
    [InlineData("[fd00::2]", "fd00::2", true)]
    [InlineData("192.0.2.3", "192.0.2.2", false)]
    [InlineData("10.0.0.1", "192.0.2.2", false)]
    [InlineData("attacker.example", "192.0.2.2", false)]
    [InlineData("192.168.1.20", "10.0.0.5", true)]
    [InlineData("mybox.lan", "10.0.0.5", true)]
    [InlineData("otherbox.lan", "10.0.0.5", false)]
    public void Should_answer_an_ip_literal_only_when_the_connection_arrived_on_it_or_it_was_listed(string host, string local, bool allowed)
    {
        // Given the Host check of an explorer listening on every interface and on 192.168.1.20, with mybox.lan allowed
        var filter = new HostFilter(ListenAddress.ParseList("http://*:5000;http://192.168.1.20:5001"), ["mybox.lan"]);

        // When a request for the host arrives on a local address
        // Then it is answered only if the host is that address, an address listened on, or an allowed name
        Assert.Equal(allowed, filter.Allows(host, IPAddress.Parse(local)));
    }

    private static async Task<(int Status, JsonElement Body)> GetAsync(HttpClient client, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/memory");
        request.Headers.Host = host;
        using HttpResponseMessage response = await client.SendAsync(request);
        return ((int)response.StatusCode, await ExplorerServer.ReadJsonAsync(response));
    }
}
