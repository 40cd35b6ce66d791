namespace Engram.Tests.Support;

/// <summary>Vector lengths that reach every path of a kernel: 0 to twice the Vector512 width, then odd sizes.</summary>
internal static class Lengths
{
    public static TheoryData<int> KernelLengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 32; n++)
        {
            data.Add(n);
        }

        foreach (int n in new[] { 33, 47, 63, 64, 65, 127, 257, 1000, 1023, 4099 })
        {
            data.Add(n);
        }

        return data;
    }
}
