using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engram.Explorer.Tests.Support;

/// <summary>
/// What the microphone of the browser does: Chromium's fake capture device plays <paramref name="WavPath"/> (in a loop)
/// as the microphone, and its fake permission prompt allows the page to use it or, with <paramref name="Allowed"/> false, denies it.
/// </summary>
public sealed record FakeMicrophone(string WavPath, bool Allowed = true)
{
    /// <summary>Chromium's switches for this microphone.</summary>
    public IEnumerable<string> Switches()
    {
        yield return "--use-fake-device-for-media-stream";
        yield return $"--use-file-for-fake-audio-capture={WavPath}";
        yield return Allowed ? "--use-fake-ui-for-media-stream" : "--use-fake-ui-for-media-stream=deny";
    }
}

/// <summary>Debian's Chromium (headless) with the page open and ready; script errors and failed requests are collected.</summary>
public sealed class Browser : IAsyncDisposable
{
    // Chromium does not report a request body made of blobs (a FormData with files) to Playwright, so the page's fetch is
    // wrapped to keep each form it sends, files as base64, in window.__sentForms before the request goes.
    private const string KeepSentForms = """
        window.__sentForms = [];
        const send = window.fetch;
        const base64 = (blob) => new Promise((resolve, reject) => {
          const reader = new FileReader();
          reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
          reader.onerror = () => reject(reader.error);
          reader.readAsDataURL(blob);
        });
        window.fetch = async function (input, init) {
          if (init && init.body instanceof FormData) {
            const parts = [];
            for (const [name, value] of init.body.entries()) {
              parts.push(value instanceof Blob
                ? { name, fileName: value.name, type: value.type, base64: await base64(value) }
                : { name, text: value });
            }
            window.__sentForms.push({ url: new URL(String(input), location.href).pathname, method: init.method || 'GET', parts });
          }
          return send.call(this, input, init);
        };
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];

    static Browser()
    {
        // Expectations wait for the page's state, never time it: 30 s rather than Playwright's 5 s, so that a recall with its
        // trace on a machine busy building and testing in parallel is waited for, not failed.
        SetDefaultExpectTimeout(30_000);
    }

    private Browser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.PageError += (_, error) => _errors.Add($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Add($"console: {message.Text}");
            }
        };
    }

    /// <summary>The explorer's page.</summary>
    public IPage Page { get; }

    /// <summary>Opens the page of the shared explorer.</summary>
    public static Task<Browser> OpenAsync(ExplorerServer server) => OpenAsync(server.BaseAddress);

    /// <summary>
    /// Launches Chromium (never downloaded: Debian's, at <see cref="ChromiumFactAttribute.ExecutablePath"/>), with a fake
    /// <paramref name="microphone"/> when one is given, and opens the page at <paramref name="address"/>; returns once it has loaded the memory.
    /// </summary>
    /// <remarks>With <paramref name="keepSentForms"/>, each form the page sends is kept for <see cref="SentFormsAsync"/>.</remarks>
    public static async Task<Browser> OpenAsync(Uri address, FakeMicrophone? microphone = null, bool keepSentForms = false)
    {
        string chromium = ChromiumFactAttribute.Require();
        IPlaywright playwright = await Playwright.CreateAsync();
        string[] switches = ["--no-sandbox", .. microphone?.Switches() ?? []];
        IBrowser browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = switches });
        IPage page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        var opened = new Browser(playwright, browser, page);
        if (keepSentForms)
        {
            await page.AddInitScriptAsync(KeepSentForms);
        }

        await page.GotoAsync(address.ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
        return opened;
    }

    /// <summary>The forms the page has sent to <paramref name="path"/> so far, oldest first (opened with keepSentForms).</summary>
    public async Task<IReadOnlyList<SentForm>> SentFormsAsync(string path)
    {
        JsonElement forms = await Page.EvaluateAsync<JsonElement>("() => window.__sentForms");
        Assert.True(forms.ValueKind == JsonValueKind.Array, "The page was not opened to keep the forms it sends (keepSentForms).");
        return forms.EnumerateArray()
            .Where(f => f.GetProperty("url").GetString() == path)
            .Select(f => new SentForm(f.GetProperty("method").GetString()!, f.GetProperty("parts").EnumerateArray().ToDictionary(
                p => p.GetProperty("name").GetString()!,
                p => p.TryGetProperty("base64", out JsonElement file)
                    ? new SentPart(p.GetProperty("fileName").GetString(), p.GetProperty("type").GetString(), Convert.FromBase64String(file.GetString()!))
                    : new SentPart(null, null, Encoding.UTF8.GetBytes(p.GetProperty("text").GetString()!)))))
            .ToArray();
    }

    /// <summary>Fails with every script error and console error the page had.</summary>
    public void AssertNoErrors() => Assert.True(_errors.Count == 0, string.Join("\n", _errors));

    /// <summary>Closes the browser.</summary>
    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>A form the page sent: its method and its parts by field name.</summary>
public sealed record SentForm(string Method, IReadOnlyDictionary<string, SentPart> Parts);

/// <summary>One part of a sent form: a file (its name, type and bytes) or text (no name or type; its UTF-8 bytes).</summary>
public sealed record SentPart(string? FileName, string? ContentType, byte[] Bytes)
{
    /// <summary>The part as text.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes);
}
