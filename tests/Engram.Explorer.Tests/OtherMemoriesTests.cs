using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Speech;
using Engram.Explorer.Tests.Support;
using Engram.Hen;
using Engram.Multimodal;
using Microsoft.AspNetCore.Builder;

namespace Engram.Explorer.Tests;

/// <summary>The explorer over memories with other slots: captions only, and images, captions and sounds.</summary>
public sealed class OtherMemoriesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-explorer-other-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    [Fact]
    public async Task A_memory_of_captions_only_has_no_images_to_show_or_to_cue_with_and_says_so()
    {
        // Given 12 emoji stored by caption only
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 12);
        MultimodalMemory memory = MultimodalMemory.Build(
            emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null));
        await using WebApplication app = await StartAsync(memory);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        // Then it is described without an image shape, its images are 404 and image cues 400, each with the reason
        JsonElement described = await client.GetFromJsonAsync<JsonElement>("/api/memory");
        Assert.Equal(JsonValueKind.Null, described.GetProperty("image_shape").ValueKind);
        using (HttpResponseMessage image = await client.GetAsync(new Uri("/api/items/0/image.png", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, image.StatusCode);
            Assert.Contains("This memory has no image slot (it has text)", (await ExplorerServer.ReadJsonAsync(image)).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        using (HttpResponseMessage cue = await client.PostAsJsonAsync("/api/recall", new { item = 0 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, cue.StatusCode);
            Assert.Contains("This memory has no image slot (it has text): cue it with one of those.", (await ExplorerServer.ReadJsonAsync(cue)).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        // And captions still recall, without images in the answer
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/recall", new { text = emoji[5].Caption, trace = true });
        JsonElement recall = await ExplorerServer.ReadJsonAsync(response);
        Assert.Equal(emoji[5].Id, recall.GetProperty("item_id").GetString());
        Assert.Equal(JsonValueKind.Null, recall.GetProperty("image_png").ValueKind);
        Assert.All(recall.GetProperty("trace").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("image_png").ValueKind));

        // And separability falls back to the text slot, saying what the cue was
        JsonElement separability = await client.GetFromJsonAsync<JsonElement>("/api/separability");
        Assert.Equal("text", separability.GetProperty("slot").GetString());
        Assert.Contains("no image slot", separability.GetProperty("cue").GetString(), StringComparison.Ordinal);
        Assert.Equal(1.0, separability.GetProperty("matched_mean").GetDouble(), 1e-5);
    }

    [Fact]
    public async Task Separability_is_capped_and_says_so()
    {
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 12);
        MultimodalMemory memory = MultimodalMemory.Build(
            emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null));
        await using WebApplication app = await StartAsync(memory, new ExplorerOptions { Urls = "http://127.0.0.1:0", SeparabilityItems = 5 });
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        JsonElement separability = await client.GetFromJsonAsync<JsonElement>("/api/separability");

        Assert.True(separability.GetProperty("capped").GetBoolean());
        Assert.Equal((5, 12), (separability.GetProperty("items").GetInt32(), separability.GetProperty("items_total").GetInt32()));
        Assert.Equal("Measured the first 5 of 12 items: every pair is binned (N² cosines), so the explorer stops at 5.", separability.GetProperty("note").GetString());
    }

    [EspeakFact]
    public async Task A_spoken_name_recalls_its_item_uploaded_as_a_form_or_as_the_body()
    {
        // Given 10 emoji stored with their images, captions and names spoken by espeak-ng
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(Path.Combine(_folder, "speech")), EspeakFactAttribute.Missing);
        IDataset emoji = SpokenDataset.Add(EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 10), speech);
        MultimodalMemory memory = MultimodalMemory.Build(
            emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(),
            MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), Model("emoji-speech.safetensors")),
            DatasetImages.Load(emoji, 32, grey: false),
            emoji.Select(e => e.Audio!).ToArray());
        await using WebApplication app = await StartAsync(memory);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        byte[] wav = File.ReadAllBytes(speech.SpeakToFile(emoji[6].Caption!));

        // When item 6's name, spoken, is uploaded as a form with a trace asked for beside it
        using var form = new MultipartFormDataContent();
        using var file = new ByteArrayContent(wav);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "audio", "name.wav");
        form.Add(new StringContent("{\"trace\": true}"), "cue");
        using HttpResponseMessage byForm = await client.PostAsync(new Uri("/api/recall/audio", UriKind.Relative), form);

        // Then item 6 comes back, with its image and a trace, from the sound alone
        JsonElement recall = await ExplorerServer.ReadJsonAsync(byForm);
        Assert.Equal(emoji[6].Id, recall.GetProperty("item_id").GetString());
        Assert.Equal(["audio"], recall.GetProperty("cue").GetProperty("slots").EnumerateArray().Select(s => s.GetString()));
        Assert.NotEqual(JsonValueKind.Null, recall.GetProperty("image_png").ValueKind);
        Assert.Equal(recall.GetProperty("steps").GetInt32(), recall.GetProperty("trace").GetArrayLength());

        // And the same WAV as the body does the same
        using var body = new ByteArrayContent(wav);
        body.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using HttpResponseMessage byBody = await client.PostAsync(new Uri("/api/recall/audio", UriKind.Relative), body);
        Assert.Equal(emoji[6].Id, (await ExplorerServer.ReadJsonAsync(byBody)).GetProperty("item_id").GetString());
    }

    [Fact]
    public async Task A_harmonic_memory_is_described_with_its_modalities_and_a_caption_completes_the_image_with_a_trace()
    {
        // Given 30 emoji stored as a harmonic memory of image and text
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 30);
        MultimodalMemory memory = MultimodalMemory.Build(
            emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(),
            MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), null, harmonic: Model("emoji-harmonic.safetensors")),
            DatasetImages.Load(emoji, 32, grey: false));
        await using WebApplication app = await StartAsync(memory);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        // Then it is described as harmonic, with its spaces and its one coupling, and no cue mode
        JsonElement described = await client.GetFromJsonAsync<JsonElement>("/api/memory");
        Assert.Equal("harmonic", described.GetProperty("engine").GetString());
        Assert.Equal(JsonValueKind.Null, described.GetProperty("default_cue_mode").ValueKind);
        Assert.Equal(JsonValueKind.Null, described.GetProperty("options").GetProperty("beta").ValueKind);
        Assert.Equal(20, described.GetProperty("options").GetProperty("steps").GetInt32());
        JsonElement harmonic = described.GetProperty("harmonic");
        Assert.Equal(["image", "text"], harmonic.GetProperty("modalities").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        JsonElement coupling = Assert.Single(harmonic.GetProperty("couplings").EnumerateArray());
        Assert.Equal(32, coupling.GetProperty("rank").GetInt32());
        // With two modalities a recall leaves one free, and a lone free modality has no coupling to echo through: ρ = 0
        Assert.Equal(0.0, harmonic.GetProperty("coupling_ratio").GetDouble());
        Assert.InRange(coupling.GetProperty("spectral_norm").GetDouble(), 0.1, 0.5 + 1e-6);
        Assert.Contains(described.GetProperty("encoders").EnumerateArray(), e => e.GetProperty("slot").GetString() == "harmonic");

        // When a caption is the cue, with a trace
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/recall", new { text = emoji[8].Caption, trace = true });
        JsonElement recall = await ExplorerServer.ReadJsonAsync(response);

        // Then the text is clamped, the image completed on item 8, and every sweep is traced with a decoded image
        Assert.Equal(emoji[8].Id, recall.GetProperty("item_id").GetString());
        Assert.Equal(["text"], recall.GetProperty("clamped").EnumerateArray().Select(c => c.GetString()));
        JsonElement completed = Assert.Single(recall.GetProperty("completed").EnumerateArray());
        Assert.Equal(("image", emoji[8].Id), (completed.GetProperty("modality").GetString(), completed.GetProperty("item_id").GetString()));
        Assert.Equal(JsonValueKind.Null, recall.GetProperty("options").GetProperty("beta").ValueKind);
        Assert.Equal(recall.GetProperty("steps").GetInt32(), recall.GetProperty("trace").GetArrayLength());
        Assert.All(recall.GetProperty("trace").EnumerateArray(), s => Assert.NotEqual(JsonValueKind.Null, s.GetProperty("image_png").ValueKind));

        // And a β, which the model sets, is refused with the reason
        using HttpResponseMessage refused = await client.PostAsJsonAsync("/api/recall", new { text = emoji[8].Caption, beta = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("A harmonic memory's β are its model's", (await ExplorerServer.ReadJsonAsync(refused)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [EspeakFact]
    public async Task A_spoken_name_uploaded_to_a_harmonic_memory_completes_the_image_and_the_caption()
    {
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(Path.Combine(_folder, "speech")), EspeakFactAttribute.Missing);
        IDataset emoji = SpokenDataset.Add(EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 20), speech);
        MultimodalMemory memory = MultimodalMemory.Build(
            emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(),
            MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), Model("emoji-speech.safetensors"), harmonic: Model("emoji-harmonic.safetensors")),
            DatasetImages.Load(emoji, 32, grey: false),
            emoji.Select(e => e.Audio!).ToArray());
        await using WebApplication app = await StartAsync(memory);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var body = new ByteArrayContent(File.ReadAllBytes(speech.SpeakToFile(emoji[13].Caption!)));
        body.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using HttpResponseMessage response = await client.PostAsync(new Uri("/api/recall/audio", UriKind.Relative), body);
        JsonElement recall = await ExplorerServer.ReadJsonAsync(response);

        Assert.Equal(["audio"], recall.GetProperty("clamped").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["image", "text"], recall.GetProperty("completed").EnumerateArray().Select(c => c.GetProperty("modality").GetString()).Order());
        Assert.All(recall.GetProperty("completed").EnumerateArray(), c => Assert.Equal(emoji[13].Id, c.GetProperty("item_id").GetString()));
        Assert.NotEqual(JsonValueKind.Null, recall.GetProperty("image_png").ValueKind);
    }

    private static async Task<WebApplication> StartAsync(MultimodalMemory memory, ExplorerOptions? options = null)
    {
        WebApplication app = ExplorerApp.Create(memory, options ?? new ExplorerOptions { Urls = "http://127.0.0.1:0" });
        await app.StartAsync();
        return app;
    }
}
