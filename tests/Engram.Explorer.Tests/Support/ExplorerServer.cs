using System.Net.Http.Json;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Hen;
using Engram.Multimodal;
using Microsoft.AspNetCore.Builder;

namespace Engram.Explorer.Tests.Support;

/// <summary>
/// One explorer for the whole test run, as a person would start it: 40 shipped emoji stored as [image; caption]
/// with the shipped codec and text encoder, saved, opened again and served on 127.0.0.1 at a free port.
/// </summary>
public sealed class ExplorerServer : IAsyncLifetime
{
    public const int ItemCount = 40;

    private readonly string _folder = Directory.CreateTempSubdirectory("engram-explorer-").FullName;
    private WebApplication? _app;

    public MultimodalMemory Memory { get; private set; } = null!;

    public IDataset Emoji { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string MemoryPath => Path.Combine(_folder, "emoji.engram");

    public async Task InitializeAsync()
    {
        Emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", ItemCount);
        Tensor images = DatasetImages.Load(Emoji, 32, grey: false);
        string models = ShippedData.Find("models")!;
        MemoryEncoders encoders = MemoryEncoders.Open(
            Path.Combine(models, "emoji-autoencoder.safetensors"), Path.Combine(models, "emoji-text.safetensors"), null);
        MultimodalMemory.Build(Emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), encoders, images).Save(MemoryPath);
        Memory = MultimodalMemory.Load(MemoryPath);

        _app = ExplorerApp.Create(Memory, new ExplorerOptions { Urls = "http://127.0.0.1:0", MemoryName = "emoji.engram" });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>POSTs a recall and returns the status and the JSON answer.</summary>
    public async Task<(int Status, JsonElement Body)> RecallAsync(object request)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync("/api/recall", request);
        return ((int)response.StatusCode, await ReadJsonAsync(response));
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{(int)response.StatusCode}: {text}");
        using JsonDocument document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}

[CollectionDefinition(Name)]
public sealed class ExplorerServerDefinition : ICollectionFixture<ExplorerServer>
{
    public const string Name = "explorer";
}
