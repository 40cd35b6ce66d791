using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Explorer;
using Microsoft.AspNetCore.Builder;

namespace Engram.Fuzz;

/// <summary>
/// The explorer's request parsing, over loopback only: the explorer serves the tiny memory in-process on
/// 127.0.0.1 (a port the system picks), and each input is a request to POST /api/recall (a JSON body) or
/// POST /api/recall/audio (multipart with a WAV and a "cue" field, or a WAV body). A 200, or a 4xx whose body
/// is a JSON <c>{"error": …}</c>, is an answer; a 5xx, a 4xx without that body, or a dropped connection is a
/// crash; no answer within the timeout is a hang.
/// </summary>
internal sealed class ExplorerTarget : Target, IDisposable
{
    private const string Boundary = "engram-fuzz-boundary";

    private readonly WebApplication _app;
    private readonly HttpClient _client;

    public ExplorerTarget(string repository, TimeSpan timeout)
    {
        _app = ExplorerApp.Create(TinyMemory.Build(), new ExplorerOptions { Urls = "http://127.0.0.1:0" });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = new Uri(_app.Urls.Single());
        if (!System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(address.Host)))
        {
            throw new InvalidOperationException($"The explorer listens on {address}, not on loopback: the fuzzer sends nothing beyond it.");
        }

        _client = new HttpClient { BaseAddress = address, Timeout = timeout };
        byte[] png = PngEncoder.Encode(new Image(4, 4, PixelLayout.Grey, Enumerable.Range(0, 16).Select(i => i / 15f).ToArray()));
        string pngBase64 = Convert.ToBase64String(png);
        byte[] wav = File.ReadAllBytes(Path.Combine(repository, "tests", "Engram.Tests", "Fixtures", "wav", "pcm16-stereo.wav"));
        string[] cues =
        [
            "{\"item\":0}",
            "{\"item\":1,\"occlude\":\"bottom-half\",\"noise\":0.1,\"seed\":3,\"trace\":true}",
            $"{{\"image_png\":\"{pngBase64}\",\"beta\":8,\"steps\":3,\"similarity\":\"dot\",\"runners_up\":2}}",
            "{\"item\":2,\"mask\":[1,1,1,1,0,0,0,0,1,1,1,1,0,0,0,0],\"cue_mode\":\"masked\"}",
            "{\"text\":\"caption 1\"}",
        ];
        var seeds = cues.Select(c => Input(Kind.Recall, Encoding.UTF8.GetBytes(c))).ToList();
        seeds.Add(Input(Kind.AudioForm, Multipart(wav, "{\"trace\":true}")));
        seeds.Add(Input(Kind.AudioForm, Multipart(wav, null)));
        seeds.Add(Input(Kind.AudioBody, wav));
        Seeds = seeds;
    }

    private enum Kind : byte
    {
        Recall,
        AudioForm,
        AudioBody,
    }

    public override string Name => "explorer";

    public override IReadOnlyList<byte[]> Seeds { get; }

    public override byte[] Mutate(Mutator mutator, byte[] seed, byte[] other)
    {
        var kind = (Kind)seed[0];
        byte[] body = seed[1..];
        int choice = mutator.Random.Next(3);
        byte[] mutated = kind switch
        {
            Kind.Recall when choice < 2 => Encoding.UTF8.GetBytes(mutator.MutateJson(Encoding.UTF8.GetString(body))),
            Kind.AudioForm when choice == 0 => MutateCue(body, mutator),
            _ => mutator.MutateBytes(body, other[1..]),
        };
        return Input(kind, mutated);
    }

    public override Verdict Run(byte[] input)
    {
        var kind = (Kind)input[0];
        var content = new ByteArrayContent(input, 1, input.Length - 1);
        content.Headers.ContentType = kind switch
        {
            Kind.Recall => new MediaTypeHeaderValue("application/json"),
            Kind.AudioForm => MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}"),
            _ => new MediaTypeHeaderValue("audio/wav"),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, kind == Kind.Recall ? "/api/recall" : "/api/recall/audio") { Content = content };
        HttpResponseMessage response;
        try
        {
            response = _client.Send(request);
        }
        catch (TaskCanceledException e)
        {
            throw new TimeoutException($"no answer within {_client.Timeout.TotalSeconds} s", e);
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (status == 200)
            {
                return Verdict.Accepted;
            }

            if (status is >= 400 and < 500 && IsJsonError(body))
            {
                return Verdict.Refused;
            }

            throw new ExplorerFinding($"HTTP {status}: {(body.Length > 300 ? body[..300] + "…" : body)}");
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static bool IsJsonError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Input(Kind kind, byte[] body) => [(byte)kind, .. body];

    private static byte[] Multipart(byte[] wav, string? cue)
    {
        using var body = new MemoryStream();
        void Text(string s) => body.Write(Encoding.UTF8.GetBytes(s));
        if (cue is not null)
        {
            Text($"--{Boundary}\r\nContent-Disposition: form-data; name=\"cue\"\r\n\r\n{cue}\r\n");
        }

        Text($"--{Boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"cue.wav\"\r\nContent-Type: audio/wav\r\n\r\n");
        body.Write(wav);
        Text($"\r\n--{Boundary}--\r\n");
        return body.ToArray();
    }

    /// <summary>The form with its cue field's JSON edited structurally (or one added).</summary>
    private static byte[] MutateCue(byte[] body, Mutator mutator)
    {
        string text = Encoding.Latin1.GetString(body);
        const string marker = "name=\"cue\"\r\n\r\n";
        int start = text.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            // No cue field yet: put one in front.
            byte[] cue = Encoding.UTF8.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"cue\"\r\n\r\n{mutator.MutateJson("{\"item\":0}")}\r\n");
            return [.. cue, .. body];
        }

        start += marker.Length;
        int end = text.IndexOf("\r\n--" + Boundary, start, StringComparison.Ordinal);
        if (end < 0)
        {
            return body;
        }

        string json = Encoding.UTF8.GetString(body, start, end - start);
        byte[] edited = Encoding.UTF8.GetBytes(mutator.MutateJson(json));
        return [.. body.AsSpan(0, start), .. edited, .. body.AsSpan(end)];
    }
}

/// <summary>An answer from the explorer that is neither a result nor a clear refusal.</summary>
internal sealed class ExplorerFinding : Exception
{
    public ExplorerFinding(string message)
        : base(message)
    {
    }

    public ExplorerFinding()
    {
    }

    public ExplorerFinding(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
