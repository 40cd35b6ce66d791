using System.Net.Http.Headers;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Png;
using Engram.Multimodal;
using Engram.Store;
using Microsoft.AspNetCore.Builder;

namespace Engram.Explorer.Tests.Support;

/// <summary>
/// An explorer over a living store of its own, in a temporary folder: made from the first shipped emoji (or empty),
/// served on 127.0.0.1 at a free port, and deleted with the folder when the test is done.
/// </summary>
public sealed class StoreExplorer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StoreExplorer(string folder, MemoryStore store, IDataset emoji, WebApplication app)
    {
        Folder = folder;
        Store = store;
        Emoji = emoji;
        _app = app;
        BaseAddress = new Uri(app.Urls.Single());
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public string Folder { get; }

    public MemoryStore Store { get; }

    /// <summary>The shipped emoji the test may use: the first <c>stored</c> of them are in the store when it starts.</summary>
    public IDataset Emoji { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    /// <summary>Images and captions (the shipped autoencoder and text encoder), the first <paramref name="stored"/> of <paramref name="available"/> emoji stored.</summary>
    public static Task<StoreExplorer> ImagesAndCaptionsAsync(int stored, int available = 60, ExplorerOptions? options = null) => StartAsync(
        MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), null), stored, available, options, seed: null);

    /// <summary>
    /// Captions and sounds (the shipped text and speech encoders): the first <paramref name="stored"/> emoji stored with a tone
    /// each (<see cref="Tone"/>), given to <paramref name="seed"/> as well so that a test may add media of its own first.
    /// </summary>
    public static Task<StoreExplorer> CaptionsAndSoundsAsync(int stored, Action<MemoryStore, string>? seed = null) => StartAsync(
        MemoryEncoders.Open(null, Model("emoji-text.safetensors"), Model("emoji-speech.safetensors")), stored, stored + 10, null, seed);

    private static async Task<StoreExplorer> StartAsync(MemoryEncoders encoders, int stored, int available, ExplorerOptions? options, Action<MemoryStore, string>? seed)
    {
        string folder = Directory.CreateTempSubdirectory("engram-explorer-store-").FullName;
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", available);
        var store = MemoryStore.Create(Path.Combine(folder, "emoji.store"), encoders);
        if (stored > 0)
        {
            MemoryItem[] items = emoji.Take(stored).Select(e => new MemoryItem(e.Id, e.Caption)).ToArray();
            Tensor? images = encoders.Image is null ? null : DatasetImages.Load(emoji.Take(stored).ToArray(), 32, grey: false);
            AudioClip[]? sounds = encoders.Audio is null ? null : Enumerable.Range(0, stored).Select(i => Tone(220 + (40 * i))).ToArray();
            store.Add(items, images, sounds);
        }

        seed?.Invoke(store, folder);
        WebApplication app = ExplorerApp.Create(store, options ?? new ExplorerOptions { Urls = "http://127.0.0.1:0", MemoryName = "emoji.store" });
        await app.StartAsync();
        return new StoreExplorer(folder, store, emoji, app);
    }

    /// <summary>Half a second of a sine tone at <paramref name="hertz"/>, 16 kHz mono.</summary>
    public static AudioClip Tone(double hertz) =>
        new(16000, 1, Enumerable.Range(0, 8000).Select(t => (float)(0.4 * Math.Sin(2 * Math.PI * hertz * t / 16000))).ToArray());

    /// <summary>A WAV file's bytes, as <see cref="WavFile.Write"/> writes them.</summary>
    public static byte[] Wav(AudioClip clip)
    {
        string path = Path.GetTempFileName();
        try
        {
            WavFile.Write(path, clip);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Emoji <paramref name="index"/>'s image as a PNG file's bytes.</summary>
    public byte[] Png(int index) => PngEncoder.Encode(Emoji[index].Image);

    /// <summary>A form for POST /api/items: files as (field, file name, bytes), text as (field, value).</summary>
    public static MultipartFormDataContent Form(IEnumerable<(string Field, string FileName, byte[] Bytes)> files, IEnumerable<(string Field, string Value)> text)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, fileName, bytes) in files)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".wav", StringComparison.Ordinal) ? "audio/wav" : "image/png");
            form.Add(file, field, fileName);
        }

        foreach (var (field, value) in text)
        {
            form.Add(new StringContent(value), field);
        }

        return form;
    }

    /// <summary>POSTs a new item: its PNG (named <paramref name="fileName"/>), caption and id, as the page does.</summary>
    public async Task<(int Status, JsonElement Body)> AddAsync(byte[]? png, string? caption, string? id = null, string fileName = "photo.png", (string Field, string FileName, byte[] Bytes)? sound = null)
    {
        var files = new List<(string, string, byte[])>();
        if (png is not null)
        {
            files.Add(("image", fileName, png));
        }

        if (sound is { } s)
        {
            files.Add(s);
        }

        var text = new List<(string, string)>();
        if (caption is not null)
        {
            text.Add(("caption", caption));
        }

        if (id is not null)
        {
            text.Add(("id", id));
        }

        using MultipartFormDataContent form = Form(files, text);
        using HttpResponseMessage response = await Client.PostAsync(new Uri("/api/items", UriKind.Relative), form);
        return ((int)response.StatusCode, await ExplorerServer.ReadJsonAsync(response));
    }

    /// <summary>Sends <paramref name="method"/> to <paramref name="path"/> and returns the status and the JSON answer.</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using HttpResponseMessage response = await Client.SendAsync(request);
        return ((int)response.StatusCode, await ExplorerServer.ReadJsonAsync(response));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }
}
