using System.Net;
using System.Net.Sockets;

namespace Engram.Explorer.Tests.Support;

/// <summary>A test that listens on this machine's first non-loopback IPv4 address; skipped, saying so, on a machine with none.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LanAddressFactAttribute : FactAttribute
{
    public LanAddressFactAttribute()
    {
        if (First is null)
        {
            Skip = "This machine has no non-loopback IPv4 address to listen on.";
        }
    }

    public static IPAddress? First { get; } = ListeningTests.NonLoopbackAddresses().FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
}
