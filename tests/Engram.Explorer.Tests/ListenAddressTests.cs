using System.Net;

namespace Engram.Explorer.Tests;

/// <summary>The listen-address parser: what each form binds, and what is wrong with each malformed one.</summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1", 5000, true)]
    [InlineData("HTTP://127.0.0.2:80/", "127.0.0.2", 80, true)]
    [InlineData("http://[::1]:0", "::1", 0, true)]
    [InlineData("http://[::ffff:127.0.0.1]:5000", "127.0.0.1", 5000, true)]
    [InlineData("http://localhost:8080", null, 8080, true)]
    [InlineData("http://LOCALHOST:8080", null, 8080, true)]
    [InlineData("http://0.0.0.0:5000", "0.0.0.0", 5000, false)]
    [InlineData("http://*:5000", "::", 5000, false)]
    [InlineData("http://+:5000", "::", 5000, false)]
    [InlineData("http://[::]:5000", "::", 5000, false)]
    [InlineData("http://192.168.1.20:65535", "192.168.1.20", 65535, false)]
    public void Should_read_the_address_and_port_to_bind(string url, string? address, int port, bool loopback)
    {
        // Given a well-formed listen URL
        // When it is parsed
        ListenAddress parsed = ListenAddress.Parse(url);

        // Then it binds that address and port, and is loopback only when only this machine can connect
        Assert.Equal(address, parsed.Address?.ToString());
        Assert.Equal(port, parsed.Port);
        Assert.Equal(loopback, parsed.IsLoopback);
        Assert.Equal(address is null, parsed.IsLocalhost);
    }

    [Theory]
    [InlineData("http://127.0.0.1:", "has nothing after the ':' where the port goes")]
    [InlineData("http://127.0.0.1", "has no port; give one after the host, such as http://127.0.0.1:5000")]
    [InlineData("http://[::1]", "has no port; give one after the host, such as http://[::1]:5000")]
    [InlineData("http://127.0.0.1:abc", "has the port 'abc'; a port is a whole number from 0 to 65535")]
    [InlineData("http://127.0.0.1:5000abc", "has the port '5000abc'")]
    [InlineData("http://127.0.0.1:-1", "has the port '-1'")]
    [InlineData("http://127.0.0.1:+80", "has the port '+80'")]
    [InlineData("http://127.0.0.1: 80", "has the port ' 80'")]
    [InlineData("http://127.0.0.1:65536", "has the port '65536'")]
    [InlineData("http://127.0.0.1:99999999999", "has the port '99999999999'")]
    [InlineData("http://localhost:abc", "has the port 'abc'")]
    [InlineData("http://[::1]:abc", "has the port 'abc'")]
    [InlineData("http://127.0.0.1:18750:18751", "has more than one ':' in '127.0.0.1:18750:18751'")]
    [InlineData("http://::1:5000", "has more than one ':'")]
    [InlineData("http://[::1]:5000:6000", "has an extra ':' in ':5000:6000'")]
    [InlineData("http://[::1:5000", "never closes it with ']'")]
    [InlineData("http://[::1]x:5000", "has 'x:5000' after the IPv6 address")]
    [InlineData("http://:5000", "has no host")]
    [InlineData("http://127.0.0.1:5000/explorer", "has a path, query or fragment ('/explorer')")]
    [InlineData("http://127.0.0.1:5000?x=1", "has a path, query or fragment ('?x=1')")]
    [InlineData("http://user@127.0.0.1:5000", "has a user name before '@'")]
    [InlineData("https://127.0.0.1:5000", "asks for https, which needs a certificate")]
    [InlineData("ftp://127.0.0.1:5000", "has the scheme 'ftp'")]
    [InlineData("127.0.0.1:5000", "is not an http URL")]
    [InlineData("http://myhost:5000", "has the host 'myhost', which is not an IP address")]
    [InlineData("http://127.0.0.1.example.com:5000", "has the host '127.0.0.1.example.com', which is not an IP address")]
    [InlineData("http://[not-v6]:5000", "has the host 'not-v6', which is not an IP address")]
    [InlineData("http://localhost:0", "asks for a free port on localhost")]
    public void Should_refuse_a_malformed_address_saying_what_is_wrong(string url, string problem)
    {
        // Given a malformed listen URL
        // When it is parsed
        var error = Assert.Throws<ArgumentException>(() => ListenAddress.Parse(url));

        // Then the message names it and says what is wrong
        Assert.StartsWith($"'{url}' ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_split_a_list_and_refuse_an_empty_one_or_a_repeated_address()
    {
        // Given lists of listen URLs
        // When they are parsed
        IReadOnlyList<ListenAddress> both = ListenAddress.ParseList(" http://127.0.0.1:5000 ; http://[::1]:5000 ;");

        // Then each is parsed, and an empty list or one address twice is refused
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], both.Select(a => a.Address));
        Assert.Contains("Give a URL to listen on", Assert.Throws<ArgumentException>(() => ListenAddress.ParseList(" ; ")).Message, StringComparison.Ordinal);
        Assert.Contains("is given twice", Assert.Throws<ArgumentException>(() => ListenAddress.ParseList("http://127.0.0.1:5000;http://127.0.0.1:5000/")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LocalHost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("[::1]", true)]
    [InlineData("[::ffff:127.0.0.1]", true)]
    [InlineData("localhost.example.com", false)]
    [InlineData("127.0.0.1.example.com", false)]
    [InlineData("attacker.example", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("[::]", false)]
    public void Should_count_only_loopback_names_and_addresses_as_loopback_hosts(string host, bool loopback)
    {
        // Given a Host header's host
        // When it is checked
        // Then only localhost and loopback IP literals count
        Assert.Equal(loopback, ListenAddress.IsLoopbackHost(host));
    }
}
