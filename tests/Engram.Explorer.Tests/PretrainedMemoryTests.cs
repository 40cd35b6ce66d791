using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Engines;
using Engram.Multimodal;
using Engram.Store;
using Microsoft.AspNetCore.Builder;

namespace Engram.Explorer.Tests;

/// <summary>
/// The explorer over memories whose image codec has no decoder (resnet18 features): a store shows the originals it kept
/// where a decoder would show Dec(ξ), and a memory file says why it has no image to show; nothing answers 500.
/// </summary>
public sealed class PretrainedMemoryTests : IAsyncLifetime
{
    private const int Stored = 6;
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-explorer-pretrained-").FullName;
    private readonly string _photos = ShippedData.Find("photos") ?? throw new DirectoryNotFoundException("data/photos is not shipped");
    private ListDataset _items = null!;
    private MemoryStore _store = null!;
    private MultimodalMemory _memory = null!;

    public Task InitializeAsync()
    {
        // Six of the shipped JPEG photos through resnet18 and minilm, kept as a store with their originals and as a memory file without
        IDataset folder = FolderDataset.Load(_photos);
        _items = new ListDataset(folder.Name, folder.Source, folder.Location, folder.Take(Stored).ToList(), []);
        MemoryEncoders encoders = MemoryEncoders.Open("resnet18", "minilm", null);
        EncodedDatasetImages images = DatasetImages.EncodeEach(_items, encoders.Image!);
        MemoryItem[] items = _items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray();
        _store = MemoryStore.Create(Path.Combine(_folder, "photos.store"), encoders);
        _store.Add(items, images.Images, media: _items.Select(i => (IReadOnlyList<StoredMedia>)[new StoredMedia(Modality.ImageName, File.ReadAllBytes(i.ImageFile!))]).ToArray());
        _memory = MultimodalMemory.Build(items, encoders, images.Images);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Should_show_a_stores_originals_and_recall_from_words_and_from_an_item_on_a_codec_without_a_decoder()
    {
        // Given the store served
        await using WebApplication app = ExplorerApp.Create(_store, new ExplorerOptions { Urls = "http://127.0.0.1:0", MemoryName = "photos.store" });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        // When an item's image is asked for, Then it is the original photo (at most 256 a side, in 8 bits), pixel for pixel
        byte[] thumbnail = await client.GetByteArrayAsync("/api/items/2/image.png");
        Assert.Equal(Shown(_items[2]), PngDecoder.Decode(thumbnail, "thumbnail").Image.Pixels);

        // And the item's detail names its original's format, which the page names the download by
        JsonElement detail = await client.GetFromJsonAsync<JsonElement>($"/api/items/{Uri.EscapeDataString(_items[2].Id).Replace("%2F", "/", StringComparison.Ordinal)}");
        Assert.Equal((true, ".jpg"), (detail.GetProperty("original_image").GetBoolean(), detail.GetProperty("image_extension").GetString()));
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("sound_extension").ValueKind);

        // And the separability answers, saying what it compares since no stored code can be decoded and half hidden
        using HttpResponseMessage separability = await client.GetAsync("/api/separability");
        Assert.Equal(HttpStatusCode.OK, separability.StatusCode);
        JsonElement measured = await separability.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("resnet18 has no decoder", measured.GetProperty("cue").GetString(), StringComparison.Ordinal);
        Assert.Equal(Stored, measured.GetProperty("items").GetInt32());

        // And a caption recalls its item, with the original as the recalled image
        DatasetItem target = _items[4];
        JsonElement byText = await RecallAsync(client, new { text = target.Caption });
        Assert.Equal(target.Id, byText.GetProperty("item_id").GetString());
        Assert.Equal(Shown(target),
            PngDecoder.Decode(Convert.FromBase64String(byText.GetProperty("image_png").GetString()!), "recalled").Image.Pixels);

        // And an item as the image cue, its bottom half hidden, recalls it (its original is the cue)
        JsonElement byItem = await RecallAsync(client, new { item = _items[1].Id, occlude = "bottom-half" });
        Assert.Equal(_items[1].Id, byItem.GetProperty("item_id").GetString());
    }

    [Fact]
    public async Task Should_say_why_a_memory_file_without_a_decoder_has_no_image_to_show()
    {
        // Given the memory file served (codes only)
        await using WebApplication app = ExplorerApp.Create(_memory, new ExplorerOptions { Urls = "http://127.0.0.1:0", MemoryName = "photos.engram" });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        // When an item's image is asked for, Then 404 says the codec has no decoder and a memory file keeps no originals
        using HttpResponseMessage image = await client.GetAsync("/api/items/0/image.png");
        Assert.Equal(HttpStatusCode.NotFound, image.StatusCode);
        string error = (await image.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        Assert.Contains("resnet18 is an encoder without a decoder", error, StringComparison.Ordinal);
        Assert.Contains("a memory file keeps no originals", error, StringComparison.Ordinal);

        // And recall by words still names the item, with no image, and the separability answers
        JsonElement byText = await RecallAsync(client, new { text = _items[3].Caption });
        Assert.Equal(_items[3].Id, byText.GetProperty("item_id").GetString());
        Assert.Equal(JsonValueKind.Null, byText.GetProperty("image_png").ValueKind);
        using HttpResponseMessage separability = await client.GetAsync("/api/separability");
        Assert.Equal(HttpStatusCode.OK, separability.StatusCode);
    }

    // The original as the explorer shows it: shrunk to at most 256 a side and written as an 8-bit PNG.
    private static float[] Shown(DatasetItem item) =>
        ImageFiles.Decode(item.ImageFile!, new ImageDecodeOptions { MaxSide = 256 }).Pixels.Select(v => MathF.Round(v * 255f) / 255f).ToArray();

    private static async Task<JsonElement> RecallAsync(HttpClient client, object body)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/recall", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
