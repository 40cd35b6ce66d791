using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engram.Explorer.Tests.Support;

namespace Engram.Explorer.Tests;

/// <summary>
/// What image uploads cost the explorer's memory, measured on `engram serve` in its own process (its peak working
/// set is its own, not this test run's): 16-bit RGBA PNGs of many pixels that compress to little.
/// </summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed partial class ImageUploadMemoryTests(ExplorerServer server)
{
    // 4800 × 4800 = 23.04 megapixels, under the 24-megapixel cap: 8 bytes a pixel as 16-bit RGBA, 16 as floats (350 MB) at full size.
    private const int UnderCap = 4800;

    // Uploads are shrunk while decoding to 8 × the codec's side, so a decode holds two rows and a small image; the rest of a
    // request is its body (a few hundred KB, as base64 in JSON). Measured before the decoder shrank while decoding: one such
    // upload raised the peak working set of a fresh server by 1.3–2.1 GB, two parallel ones by 3.0 GB, and a second pair to 4.9 GB;
    // after it, two pairs raised it by 12 MB.
    private const long MaxPeakRiseBytes = 64L * 1024 * 1024;

    [Fact]
    public async Task Should_decode_parallel_uploads_one_at_a_time_and_refuse_an_image_over_the_pixel_cap_before_decoding()
    {
        // Given `engram serve` in its own process, warmed up by a small upload
        using Process process = StartServe(out Uri url);
        try
        {
            using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
            Assert.Equal(200, (await RecallAsync(client, Png16(64, 64))).Status);
            long baseline = Peak(process);

            // When two 23-megapixel 16-bit PNGs (a few hundred KB each) are uploaded at once, twice
            byte[] under = Png16(UnderCap, UnderCap);
            (int Status, JsonElement Body)[] answers = [];
            for (int round = 1; round <= 2; round++)
            {
                answers = await Task.WhenAll(RecallAsync(client, under), RecallAsync(client, under));

                // Then all are answered, and the peak working set rose by far less than one full-size decode, and did not grow with the second pair
                Assert.All(answers, a => Assert.True(a.Status == 200, $"{a.Status}: {a.Body}"));
                long rise = Peak(process) - baseline;
                Assert.True(
                    rise < MaxPeakRiseBytes,
                    $"{round} pair(s) of parallel {UnderCap}×{UnderCap} uploads raised the peak working set by {rise / 1048576} MB; the bound is {MaxPeakRiseBytes / 1048576} MB");
            }

            // When two 8192 × 8192 16-bit PNGs (67 megapixels, 4 GB once decoded) are uploaded at once
            long before = Peak(process);
            byte[] over = Png16(8192, 8192);
            answers = await Task.WhenAll(RecallAsync(client, over), RecallAsync(client, over));

            // Then both are refused before decoding, with the cap in the message, the peak does not move (beyond the bodies), and recall goes on
            Assert.All(answers, a =>
            {
                Assert.Equal(400, a.Status);
                Assert.Contains("image_png is 8192×8192 pixels (67.1 megapixels); the explorer takes images of at most 24 megapixels", a.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
            });
            long overRise = Peak(process) - before;
            Assert.True(overRise < 64L * 1024 * 1024, $"two refused uploads raised the peak working set by {overRise / 1048576} MB");
            Assert.Equal(200, (await RecallAsync(client, Png16(64, 64))).Status);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private Process StartServe(out Uri url)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Engram.Cli.dll"), "serve", "--memory", server.MemoryPath, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start)!;
        string line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult()!;
        url = new Uri(Url().Match(line).Value);
        return process;
    }

    private static long Peak(Process process)
    {
        process.Refresh();
        return process.PeakWorkingSet64;
    }

    private static async Task<(int Status, JsonElement Body)> RecallAsync(HttpClient client, byte[] png)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/recall", new { image_png = Convert.ToBase64String(png) });
        return ((int)response.StatusCode, await ExplorerServer.ReadJsonAsync(response));
    }

    // A 16-bit RGBA PNG of transparent black: rows of zeros, which deflate to about a thousandth of their size.
    private static byte[] Png16(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 16;
        header[9] = 6;
        Chunk(output, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[1 + (width * 8)];
                for (int y = 0; y < height; y++)
                {
                    zlib.Write(row);
                }
            }

            Chunk(output, "IDAT", compressed.ToArray());
        }

        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typed));
        output.Write(word);
    }

    // CRC-32 (ISO 3309, as PNG uses), bit by bit: the test's PNGs are small.
    private static uint Crc(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex Url();
}
