using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engram.Data.Audio;
using Engram.Explorer.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engram.Explorer.Tests;

/// <summary>
/// The page's media, in Debian's Chromium: sounds recorded from a microphone (Chromium's fake capture device playing a WAV
/// the test writes), the recalled item's image and sound to download, and file inputs that take any image or sound.
/// </summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class MediaPageTests(ExplorerServer server) : IDisposable
{
    // The microphone plays a 300 Hz tone: whole periods in its second, so it loops without a click.
    private const double ToneHertz = 300;

    private static readonly string[] s_addedFields = ["caption", "sound", "id"];

    private readonly string _folder = Directory.CreateTempSubdirectory("engram-explorer-media-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ChromiumFact]
    public async Task A_sound_recorded_in_the_page_is_a_wav_that_cues_a_recall_and_is_stored_as_sent_with_an_added_item()
    {
        // Given the page of a store of captions and sounds, in a browser whose microphone hears a tone
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(3);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress, Microphone(), keepSentForms: true);
        IPage page = browser.Page;

        // When Record is pressed, and Stop once the page has recorded a second and a half
        await RecordAsync(page, "cue", 1.5);

        // Then the page says how long it is and plays it back at that length
        double recorded = await SecondsAsync(page, "cue");
        Assert.InRange(recorded, 1.5, 10);
        await Expect(page.Locator("#cue-record-status")).ToContainTextAsync($"Recorded {recorded.ToString("F1", CultureInfo.InvariantCulture)} s: a 16 kHz mono 16-bit WAV");
        await Expect(page.Locator("#cue-recording")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('cue-recording').readyState >= 1");
        Assert.Equal(recorded, await page.EvalOnSelectorAsync<double>("#cue-recording", "a => a.duration"), 0.01);

        // When Recall is pressed, Then the page sends it as the sound cue: a 16-bit PCM WAV at 16 kHz of the tone, with the rest of the cue
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        SentForm sent = Assert.Single(await browser.SentFormsAsync("/api/recall/audio"));
        SentPart audio = sent.Parts["audio"];
        Assert.Equal(("POST", "recording.wav", "audio/wav"), (sent.Method, audio.FileName, audio.ContentType));
        AudioClip clip = AssertPcm16Wav(audio.Bytes, 16000);
        Assert.Equal(recorded, clip.Duration.TotalSeconds, 0.001);
        AssertTone(clip, ToneHertz);
        Assert.True(JsonDocument.Parse(sent.Parts["cue"].Text).RootElement.GetProperty("trace").GetBoolean());

        // And shows the answer the API gives for those bytes (which stored tone is nearest is the speech encoder's business:
        // the three are close to it, so the item is not asserted, only that the page shows the answer to what it sent)
        using var content = new ByteArrayContent(audio.Bytes);
        content.Headers.ContentType = new("audio/wav");
        var (status, answer) = await explorer.SendAsync(HttpMethod.Post, "/api/recall/audio", content);
        Assert.Equal(200, status);
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(answer.GetProperty("item_id").GetString()!);
        double similarity = answer.GetProperty("confidence").GetProperty("slots")[0].GetProperty("similarity").GetDouble();
        await Expect(page.Locator("#result-similarity")).ToHaveTextAsync($"audio {similarity.ToString("F3", CultureInfo.InvariantCulture)}");

        // When an item is added with a sound recorded in the form, a caption and an id
        await page.FillAsync("#add-caption", "a tone from the microphone");
        await page.FillAsync("#add-id", "recorded");
        await RecordAsync(page, "add", 1.0);
        await Expect(page.Locator("#add-recording")).ToBeVisibleAsync();
        await page.ClickAsync("#add-submit");
        await Expect(page.Locator("#items-status")).ToHaveTextAsync("Added recorded as item 3; the memory holds 4 items.");

        // Then the store keeps the WAV the page sent, byte for byte, and serves it back so
        SentForm added = Assert.Single(await browser.SentFormsAsync("/api/items"));
        Assert.Equal(s_addedFields, added.Parts.Keys);
        SentPart sound = added.Parts["sound"];
        Assert.Equal(("recording.wav", "audio/wav"), (sound.FileName, sound.ContentType));
        AssertTone(AssertPcm16Wav(sound.Bytes, 16000), ToneHertz);
        Assert.Equal(sound.Bytes, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/recorded/audio", UriKind.Relative)));

        // And the form's recording is gone with the rest of the form, ready for the next item
        await Expect(page.Locator("#add-recording")).ToBeHiddenAsync();
        await Expect(page.Locator("#add-record-status")).ToHaveTextAsync("");
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task A_recording_replaces_a_picked_sound_file_and_a_picked_file_replaces_a_recording()
    {
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(3);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress, Microphone(), keepSentForms: true);
        IPage page = browser.Page;
        byte[] whistle = StoreExplorer.Wav(StoreExplorer.Tone(880));

        // Given a WAV file picked as the sound cue, When a sound is recorded, Then the recording is the cue
        await page.SetInputFilesAsync("#wav-file", new FilePayload { Name = "whistle.wav", MimeType = "audio/wav", Buffer = whistle });
        await RecordAsync(page, "cue", 0.5);
        Assert.Empty(await page.InputValueAsync("#wav-file"));
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        SentPart audio = (await browser.SentFormsAsync("/api/recall/audio"))[^1].Parts["audio"];
        Assert.Equal("recording.wav", audio.FileName);
        AssertTone(AssertPcm16Wav(audio.Bytes, 16000), ToneHertz);

        // When a file is picked again, Then the recording is dropped and the file is the cue
        await page.SetInputFilesAsync("#wav-file", new FilePayload { Name = "whistle.wav", MimeType = "audio/wav", Buffer = whistle });
        await Expect(page.Locator("#cue-recording")).ToBeHiddenAsync();
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        IReadOnlyList<SentForm> recalls = await browser.SentFormsAsync("/api/recall/audio");
        Assert.Equal(2, recalls.Count);
        Assert.Equal("whistle.wav", recalls[^1].Parts["audio"].FileName);
        Assert.Equal(whistle, recalls[^1].Parts["audio"].Bytes);

        // And "No sound" drops either: a recall with a caption alone is a plain JSON one
        await RecordAsync(page, "cue", 0.5);
        await page.ClickAsync("#clear-wav");
        await Expect(page.Locator("#cue-recording")).ToBeHiddenAsync();
        await page.FillAsync("#caption", explorer.Emoji[1].Caption!);
        IRequest plain = await page.RunAndWaitForRequestAsync(() => page.ClickAsync("#recall"), r => r.Url.Contains("/api/recall", StringComparison.Ordinal));
        Assert.EndsWith("/api/recall", plain.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(explorer.Emoji[1].Id);
        Assert.Equal(2, (await browser.SentFormsAsync("/api/recall/audio")).Count);
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task A_microphone_the_browser_is_not_allowed_to_use_is_said_so_in_the_error_box()
    {
        // Given a browser that denies the page its microphone
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(3);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress, Microphone() with { Allowed = false });
        IPage page = browser.Page;

        // When Record is pressed, Then the page says so, in words, and is ready to record again
        await page.ClickAsync("#cue-record");
        await Expect(page.Locator("#error")).ToHaveTextAsync(new Regex("^The browser was not allowed to use the microphone\\. Allow it for this page"));
        await Expect(page.Locator("#cue-record")).ToHaveTextAsync("Record");
        await Expect(page.Locator("#cue-record")).ToBeEnabledAsync();
        await Expect(page.Locator("#cue-recording")).ToBeHiddenAsync();
        await Expect(page.Locator("#cue-record-status")).ToHaveTextAsync("");

        // And a recall without the sound still works
        await page.FillAsync("#caption", explorer.Emoji[0].Caption!);
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(explorer.Emoji[0].Id);
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
    }

    [ChromiumFact]
    public async Task The_recalled_image_decoded_and_as_given_downloads_from_the_links_the_page_offers()
    {
        // Given the page of a store of emoji, one of them added with a PNG of its own
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(12);
        byte[] lamp = explorer.Png(30);
        Assert.Equal(201, (await explorer.AddAsync(lamp, "my own desk lamp", "lamp", "desk-lamp.png")).Status);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress);
        IPage page = browser.Page;

        // When its caption is recalled
        await page.FillAsync("#caption", "my own desk lamp");
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync("lamp");

        // Then the decoded image downloads from a blob: URL as lamp-recalled.png, the same PNG the page shows
        ILocator recalled = page.Locator("#download-recalled");
        await Expect(recalled).ToBeVisibleAsync();
        Assert.StartsWith("blob:", await recalled.GetAttributeAsync("href"), StringComparison.Ordinal);
        var (name, bytes) = await DownloadAsync(page, recalled);
        Assert.Equal("lamp-recalled.png", name);
        string shown = (await page.GetAttributeAsync("#result-image", "src"))!;
        Assert.Equal(Convert.FromBase64String(shown[(shown.IndexOf(',', StringComparison.Ordinal) + 1)..]), bytes);
        Assert.Equal(32, Engram.Data.Png.PngDecoder.Decode(bytes, name).Image.Width);

        // And the image as it was given downloads from /api/items/lamp/original as lamp.png, the bytes that were added
        ILocator original = page.Locator("#download-original");
        await Expect(original).ToBeVisibleAsync();
        Assert.Equal("/api/items/lamp/original", await original.GetAttributeAsync("href"));
        (name, bytes) = await DownloadAsync(page, original);
        Assert.Equal("lamp.png", name);
        Assert.Equal(lamp, bytes);

        // And a store without an audio slot offers no sound
        await Expect(page.Locator("#result-sound-block")).ToBeHiddenAsync();

        // When an item stored without its image as given is recalled, Then only the decoded image is offered
        await page.FillAsync("#caption", explorer.Emoji[3].Caption!);
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(explorer.Emoji[3].Id);
        await Expect(page.Locator("#result-downloads")).ToHaveAttributeAsync("data-item", explorer.Emoji[3].Id);
        await Expect(original).ToBeHiddenAsync();
        await Expect(recalled).ToHaveAttributeAsync("download", $"{explorer.Emoji[3].Id}-recalled.png");
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task The_recalled_items_stored_sound_plays_and_downloads_as_it_was_given()
    {
        // Given the page of a store of captions and sounds, one item added with a WAV of its own
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(3);
        byte[] whistle = StoreExplorer.Wav(StoreExplorer.Tone(880));
        Assert.Equal(201, (await explorer.AddAsync(null, "a high whistle", "whistle", sound: ("sound", "whistle.wav", whistle))).Status);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress);
        IPage page = browser.Page;

        // When its caption is recalled
        await page.FillAsync("#caption", "a high whistle");
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync("whistle");

        // Then its sound plays in the result (half a second) and downloads from /api/items/whistle/audio as whistle.wav, as it was given
        await Expect(page.Locator("#result-sound-block")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('result-audio').readyState >= 1");
        Assert.InRange(await page.EvalOnSelectorAsync<double>("#result-audio", "a => a.duration"), 0.45, 0.55);
        ILocator link = page.Locator("#download-sound");
        Assert.Equal("/api/items/whistle/audio", await link.GetAttributeAsync("href"));
        var (name, bytes) = await DownloadAsync(page, link);
        Assert.Equal("whistle.wav", name);
        Assert.Equal(whistle, bytes);

        // And without an image slot there is no image to download
        await Expect(page.Locator("#download-recalled")).ToBeHiddenAsync();
        await Expect(page.Locator("#download-original")).ToBeHiddenAsync();

        // When an item stored without a sound as given is recalled, Then no sound is offered
        await page.FillAsync("#caption", explorer.Emoji[0].Caption!);
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(explorer.Emoji[0].Id);
        await Expect(page.Locator("#result-downloads")).ToHaveAttributeAsync("data-item", explorer.Emoji[0].Id);
        await Expect(page.Locator("#result-sound-block")).ToBeHiddenAsync();
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task A_memory_file_offers_the_decoded_image_and_no_media_as_given()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;
        await page.FillAsync("#caption", server.Emoji[5].Caption!);
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(server.Emoji[5].Id);
        var (name, bytes) = await DownloadAsync(page, page.Locator("#download-recalled"));
        Assert.Equal($"{server.Emoji[5].Id}-recalled.png", name);
        string shown = (await page.GetAttributeAsync("#result-image", "src"))!;
        Assert.Equal(Convert.FromBase64String(shown[(shown.IndexOf(',', StringComparison.Ordinal) + 1)..]), bytes);
        await Expect(page.Locator("#download-original")).ToBeHiddenAsync();
        await Expect(page.Locator("#result-sound-block")).ToBeHiddenAsync();
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task The_file_inputs_take_any_image_or_sound_and_a_file_the_server_cannot_read_shows_its_message()
    {
        // The page lets any image and sound be picked, by type and by the common extensions
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(4);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress);
        IPage page = browser.Page;
        foreach (string input in new[] { "#png-file", "#add-image" })
        {
            string[] accepted = (await page.GetAttributeAsync(input, "accept"))!.Split(',');
            Assert.Superset(new HashSet<string> { "image/*", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff" }, accepted.ToHashSet());
        }

        foreach (string input in new[] { "#wav-file", "#add-sound" })
        {
            string[] accepted = (await page.GetAttributeAsync(input, "accept"))!.Split(',');
            Assert.Superset(new HashSet<string> { "audio/*", ".wav", ".mp3", ".ogg", ".flac", ".m4a", ".opus" }, accepted.ToHashSet());
        }

        // When a file the server cannot read is added, Then the page shows the server's own message for it
        byte[] broken = Encoding.ASCII.GetBytes("this is not an image at all");
        var (status, refusal) = await explorer.AddAsync(broken, "a broken one", "broken", "broken.jpg");
        Assert.Equal(400, status);
        await page.SetInputFilesAsync("#add-image", new FilePayload { Name = "broken.jpg", MimeType = "image/jpeg", Buffer = broken });
        await page.FillAsync("#add-caption", "a broken one");
        await page.FillAsync("#add-id", "broken");
        await page.ClickAsync("#add-submit");
        await Expect(page.Locator("#error")).ToHaveTextAsync(refusal.GetProperty("error").GetString()!);
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(4);

        // And the page is served with a policy that lets media play only from the explorer and the page's own blob: URLs
        using HttpResponseMessage served = await explorer.Client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
            served.Headers.GetValues("Content-Security-Policy").Single());
    }

    // A fake microphone that plays a second of the tone, written as a 16-bit WAV at 48 kHz (a rate the page must bring down to 16 kHz).
    private FakeMicrophone Microphone()
    {
        string path = Path.Combine(_folder, "microphone.wav");
        WavFile.Write(path, new AudioClip(48000, 1, Enumerable.Range(0, 48000).Select(t => (float)(0.4 * Math.Sin(2 * Math.PI * ToneHertz * t / 48000))).ToArray()));
        return new FakeMicrophone(path);
    }

    // Presses the recorder's Record, waits until the page says it has recorded `atLeast` seconds, presses Stop and waits for the WAV.
    private static async Task RecordAsync(IPage page, string recorder, double atLeast)
    {
        await page.ClickAsync($"#{recorder}-record");
        await Expect(page.Locator($"#{recorder}-record")).ToHaveTextAsync("Stop");
        await page.WaitForFunctionAsync(
            $"() => Number(document.getElementById('{recorder}-record-status').dataset.seconds || 0) >= {atLeast.ToString(CultureInfo.InvariantCulture)}");
        await page.ClickAsync($"#{recorder}-record");
        await Expect(page.Locator($"#{recorder}-record-status")).ToContainTextAsync("Recorded");
        await Expect(page.Locator($"#{recorder}-record")).ToHaveTextAsync("Record");
    }

    private static async Task<double> SecondsAsync(IPage page, string recorder) =>
        double.Parse((await page.GetAttributeAsync($"#{recorder}-record-status", "data-seconds"))!, CultureInfo.InvariantCulture);

    private static async Task<(string Name, byte[] Bytes)> DownloadAsync(IPage page, ILocator link)
    {
        IDownload download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        Assert.Null(await download.FailureAsync());
        return (download.SuggestedFilename, await File.ReadAllBytesAsync((await download.PathAsync())!));
    }

    // The header of a 16-bit PCM mono WAV, field by field, then its samples as the explorer reads them.
    private static AudioClip AssertPcm16Wav(byte[] wav, int rate)
    {
        Assert.True(wav.Length > 44, $"{wav.Length} bytes");
        ReadOnlySpan<byte> b = wav;
        Assert.Equal("RIFF", Encoding.ASCII.GetString(b[..4]));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(b[4..]));
        Assert.Equal("WAVEfmt ", Encoding.ASCII.GetString(b[8..16]));
        Assert.Equal(16, BinaryPrimitives.ReadInt32LittleEndian(b[16..]));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(b[20..]));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(b[22..]));
        Assert.Equal(rate, BinaryPrimitives.ReadInt32LittleEndian(b[24..]));
        Assert.Equal(rate * 2, BinaryPrimitives.ReadInt32LittleEndian(b[28..]));
        Assert.Equal(2, BinaryPrimitives.ReadInt16LittleEndian(b[32..]));
        Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(b[34..]));
        Assert.Equal("data", Encoding.ASCII.GetString(b[36..40]));
        Assert.Equal(wav.Length - 44, BinaryPrimitives.ReadInt32LittleEndian(b[40..]));
        AudioClip clip = WavFile.Read(wav, "the page's recording");
        Assert.Equal((rate, 1), (clip.SampleRate, clip.Channels));
        return clip;
    }

    // The tone: it sounds for at least half the recording (a capture may begin with some silence, longer on a busy machine,
    // and the fake device leaves a millisecond's gap where its file loops), at the level the microphone played and at its
    // pitch, from the upward crossings of ±0.1 (a wrong sample rate in the header would shift it; the hysteresis ignores
    // the dither in the gaps).
    private static void AssertTone(AudioClip clip, double hertz)
    {
        float[] samples = clip.Samples;
        var rises = new List<int>();
        bool low = false;
        for (int t = 0; t < samples.Length; t++)
        {
            if (samples[t] < -0.1f)
            {
                low = true;
            }
            else if (low && samples[t] > 0.1f)
            {
                rises.Add(t);
                low = false;
            }
        }

        Assert.True(rises.Count > 2, $"{rises.Count} periods in {samples.Length} samples: the recording is silent");
        int first = rises[0], last = rises[^1];
        double rms = Math.Sqrt(samples.AsSpan(first, last - first).ToArray().Average(s => (double)s * s));
        double pitch = (rises.Count - 1) / ((last - first) / (double)clip.SampleRate);
        string heard = $"the tone sounds from sample {first} to {last} of {samples.Length} ({rises.Count} periods), RMS {rms:F3}, {pitch:F1} Hz";
        Assert.True(last - first >= 0.5 * samples.Length, heard);
        Assert.True(rms is > 0.2 and < 0.35, heard);
        Assert.True(Math.Abs(pitch - hertz) <= 0.02 * hertz, heard);
    }
}
