using System.Globalization;
using System.Text.Json;
using Engram.Data.Png;
using Engram.Explorer.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engram.Explorer.Tests;

/// <summary>The page, driven in Debian's Chromium (headless) through Playwright, as a person uses it.</summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class PageTests(ExplorerServer server)
{
    [ChromiumFact]
    public async Task Typing_a_caption_and_pressing_recall_shows_the_item_its_image_and_an_energy_curve_that_never_rises()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;

        // Given the page, with a caption typed
        int target = 9;
        await page.FillAsync("#caption", server.Emoji[target].Caption!);

        // When Recall is pressed
        await page.ClickAsync("#recall");

        // Then the item's id and caption show, with its decoded image
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(server.Emoji[target].Id);
        await Expect(page.Locator("#result-caption")).ToHaveTextAsync(server.Emoji[target].Caption!);
        await Expect(page.Locator("#result-metastable")).ToHaveTextAsync("no");
        Assert.StartsWith("data:image/png;base64,", await page.GetAttributeAsync("#result-image", "src"), StringComparison.Ordinal);
        Assert.Equal(32, await page.EvalOnSelectorAsync<int>("#result-image", "img => img.naturalWidth"));

        // And the energy curve has a point per step (the cue, then each update), never rising
        double[] energies = await Energies(page);
        int steps = int.Parse((await page.TextContentAsync("#result-steps"))!, CultureInfo.InvariantCulture);
        Assert.Equal(steps + 1, energies.Length);
        for (int t = 1; t < energies.Length; t++)
        {
            Assert.True(energies[t] <= energies[t - 1] + 1e-6, $"energy rose at step {t}: {energies[t - 1]} → {energies[t]}");
        }

        // And at the last step the heaviest weight is the item's
        Assert.Equal(server.Emoji[target].Id, await page.GetAttributeAsync("#weights-chart rect.weight-bar >> nth=0", "data-id"));
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task A_stored_item_with_its_bottom_half_hidden_is_recalled_and_can_be_stepped_through()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;

        // Given item 4 picked from the grid, with its bottom half hidden
        await page.ClickAsync("[data-testid=item-4]");
        await Expect(page.Locator("[data-testid=item-4]")).ToHaveAttributeAsync("aria-pressed", "true");

        // (shown under "Selected item", with nothing to forget it with: a memory file only reads)
        await Expect(page.Locator("[data-testid=selected-id]")).ToHaveTextAsync(server.Emoji[4].Id);
        await Expect(page.Locator("#forget-item")).ToBeHiddenAsync();
        await page.SelectOptionAsync("#occlude", "bottom-half");

        // When Recall is pressed
        await page.ClickAsync("#recall");

        // Then the page shows what the API answers for that cue, and the cue as the memory saw it
        var (_, expected) = await server.RecallAsync(new { item = 4, occlude = "bottom-half", trace = true });
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(expected.GetProperty("item_id").GetString()!);
        Assert.Equal("data:image/png;base64," + expected.GetProperty("cue_png").GetString(), await page.GetAttributeAsync("#cue-image", "src"));
        await Expect(page.Locator("#cue-caption")).ToContainTextAsync("512 pixels hidden");

        // And stepping back to the start shows the cue and energy of step 0, stepping on shows each state and its weights
        await page.Locator("#step-slider").FillAsync("0");
        await Expect(page.Locator("#step-label")).ToContainTextAsync("Step 0 of");
        Assert.Equal(await page.GetAttributeAsync("#cue-image", "src"), await page.GetAttributeAsync("#step-image", "src"));
        Assert.Equal(0, await page.Locator("#weights-chart rect.weight-bar").CountAsync());
        await page.ClickAsync("#step-next");
        await Expect(page.Locator("#step-label")).ToContainTextAsync("Step 1 of");
        JsonElement first = expected.GetProperty("trace")[0];
        Assert.Equal("data:image/png;base64," + first.GetProperty("image_png").GetString(), await page.GetAttributeAsync("#step-image", "src"));
        Assert.Equal(first.GetProperty("top").GetArrayLength(), await page.Locator("#weights-chart rect.weight-bar").CountAsync());
        Assert.Equal("1", await page.GetAttributeAsync("#energy-curve circle.current", "data-step"));
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task Pixels_brushed_out_on_the_canvas_are_hidden_from_the_cue()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;

        // Given item 2, and a stroke of the brush across the middle of the image
        await page.ClickAsync("[data-testid=item-2]");
        var box = (await page.Locator("#cue-canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.2f), box.Y + (box.Height * 0.5f));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.8f), box.Y + (box.Height * 0.5f), new() { Steps = 12 });
        await page.Mouse.UpAsync();

        // When Recall is pressed
        await page.ClickAsync("#recall");

        // Then the cue the memory saw has those pixels black, and the rest of the image intact
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.Locator("#cue-caption")).ToContainTextAsync("pixels hidden");
        string src = (await page.GetAttributeAsync("#cue-image", "src"))!;
        PngImage cue = PngDecoder.Decode(Convert.FromBase64String(src[(src.IndexOf(',', StringComparison.Ordinal) + 1)..]), "cue");
        Assert.Equal([0f, 0f, 0f], cue.Image.Pixels.AsSpan(((16 * 32) + 16) * 3, 3).ToArray());
        Assert.Equal(server.Memory.StoredImage(2)![0], cue.Image.Pixels[0], 0.01);
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task An_uploaded_png_is_recalled_as_its_item()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;

        // Given the original emoji PNG uploaded
        await page.SetInputFilesAsync("#png-file", new FilePayload
        {
            Name = "emoji.png",
            MimeType = "image/png",
            Buffer = PngEncoder.Encode(server.Emoji[17].Image),
        });
        await Expect(page.Locator("#cue-source")).ToContainTextAsync("emoji.png");

        // When Recall is pressed, Then its item comes back
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(server.Emoji[17].Id);
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task An_empty_cue_shows_the_servers_message_and_the_next_recall_works()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;

        await page.ClickAsync("#recall");
        await Expect(page.Locator("#error")).ToContainTextAsync("The cue is empty");

        await page.FillAsync("#caption", server.Emoji[3].Caption!);
        await page.PressAsync("#caption", "Enter");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(server.Emoji[3].Id);
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
    }

    [ChromiumFact]
    public async Task The_item_grid_can_be_filtered_and_the_separability_histograms_drawn()
    {
        await using var browser = await Browser.OpenAsync(server);
        IPage page = browser.Page;

        // The grid shows every stored item, with its caption; a filter narrows it
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(ExplorerServer.ItemCount);
        await Expect(page.Locator("#memory-summary")).ToContainTextAsync("40 items");

        // A memory file only reads: there is no form to add an item
        await Expect(page.Locator("#add-form")).ToBeHiddenAsync();
        string caption = server.Emoji[12].Caption!;
        int matching = server.Emoji.Count(e => e.Id.Contains(caption, StringComparison.OrdinalIgnoreCase) || e.Caption!.Contains(caption, StringComparison.OrdinalIgnoreCase));
        Assert.True(matching < ExplorerServer.ItemCount);
        await page.FillAsync("#item-filter", caption);
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(matching);
        await Expect(page.Locator("[data-testid=item-12]")).ToBeVisibleAsync();

        // Measuring draws both histograms and the overlap
        await page.ClickAsync("#separability-run");
        await Expect(page.Locator("#separability-summary")).ToContainTextAsync("Overlap");
        Assert.True(await page.Locator("#separability-chart rect[data-series=matched]").CountAsync() > 0);
        Assert.True(await page.Locator("#separability-chart rect[data-series=unmatched]").CountAsync() > 0);
        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task A_harmonic_memory_shows_only_the_options_that_apply_and_the_modality_a_caption_completed()
    {
        // Given a harmonic memory of 40 emoji (image and text, the shipped harmonic model), served
        ChromiumFactAttribute.Require();
        var emoji = Engram.Data.Datasets.EmojiDataset.LoadFrom(Engram.Data.ShippedData.Find("emoji")!, "shipped", 40);
        string models = Engram.Data.ShippedData.Find("models")!;
        Engram.Multimodal.MultimodalMemory memory = Engram.Multimodal.MultimodalMemory.Build(
            emoji.Select(e => new Engram.Multimodal.MemoryItem(e.Id, e.Caption)).ToArray(),
            Engram.Multimodal.MemoryEncoders.Open(
                Path.Combine(models, "emoji-autoencoder.safetensors"), Path.Combine(models, "emoji-text.safetensors"), null,
                harmonic: Path.Combine(models, "emoji-harmonic.safetensors")),
            Engram.Data.Datasets.DatasetImages.Load(emoji, 32, grey: false));
        await using Microsoft.AspNetCore.Builder.WebApplication app = ExplorerApp.Create(memory, new ExplorerOptions { Urls = "http://127.0.0.1:0", MemoryName = "harmonic.engram" });
        await app.StartAsync();
        await using var browser = await Browser.OpenAsync(new Uri(app.Urls.Single()));
        IPage page = browser.Page;

        // Then the summary says it is harmonic, and β, similarity and cue mode are not offered
        await Expect(page.Locator("#memory-summary")).ToContainTextAsync("harmonic: image β 100, text β 100; 1 couplings");
        await Expect(page.Locator("#hen-options")).ToBeHiddenAsync();
        await page.ClickAsync("summary:has-text('Recall options')");
        await Expect(page.Locator("#harmonic-options")).ToBeVisibleAsync();

        // When a caption is typed and Recall pressed
        await page.FillAsync("#caption", emoji[21].Caption!);
        await page.ClickAsync("#recall");

        // Then the item comes back, the image is listed as completed on it, and the energy never rises over the sweeps
        await Expect(page.Locator("#result-panel")).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync(emoji[21].Id);
        await Expect(page.Locator("#completed tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#completed tbody tr td >> nth=0")).ToHaveTextAsync("image");
        await Expect(page.Locator("#completed tbody tr td >> nth=1")).ToHaveTextAsync(emoji[21].Id);
        await Expect(page.Locator("#result-options")).ToContainTextAsync("text clamped, the others completed");
        double[] energies = await Energies(page);
        Assert.True(energies.Length >= 2, $"{energies.Length} energies");
        for (int t = 1; t < energies.Length; t++)
        {
            // The states are float32: a settled state moves by rounding alone, so allow a float's relative precision.
            Assert.True(energies[t] <= energies[t - 1] + 1e-6 * Math.Abs(energies[t - 1]), $"energy rose at sweep {t}: {energies[t - 1]} → {energies[t]}");
        }

        browser.AssertNoErrors();
    }

    [ChromiumFact]
    public async Task An_item_added_through_the_form_is_listed_recalled_shown_as_given_and_forgotten_with_its_button()
    {
        // Given the page of a store of 12 emoji
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(12);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress);
        IPage page = browser.Page;
        await Expect(page.Locator("#add-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#add-sound-row")).ToBeHiddenAsync();
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(12);

        // When a PNG and a caption are given in the form, and Add pressed
        await page.SetInputFilesAsync("#add-image", new FilePayload { Name = "lamp.png", MimeType = "image/png", Buffer = explorer.Png(30) });
        await page.FillAsync("#add-caption", "my own desk lamp");
        await page.ClickAsync("#add-submit");

        // Then it is listed, under its file's name, and the summary counts it
        await Expect(page.Locator("#items-status")).ToHaveTextAsync("Added lamp as item 12; the memory holds 13 items.");
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(13);
        await Expect(page.Locator("#memory-summary")).ToContainTextAsync("13 items");
        ILocator lamp = page.Locator("#items .item[data-id='lamp']");
        await Expect(lamp).ToHaveCountAsync(1);
        Assert.Empty(await page.InputValueAsync("#add-caption"));

        // And its caption recalls it
        await page.FillAsync("#caption", "my own desk lamp");
        await page.ClickAsync("#recall");
        await Expect(page.Locator("#result-id")).ToHaveTextAsync("lamp");

        // And picked, it shows beside its details the PNG as it was given (64 × 64, not the memory's 32 × 32)
        await lamp.ClickAsync();
        await Expect(page.Locator("[data-testid=selected-id]")).ToHaveTextAsync("lamp");
        await Expect(page.Locator("#item-original")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('item-original').naturalWidth > 0");
        Assert.Equal(64, await page.EvalOnSelectorAsync<int>("#item-original", "img => img.naturalWidth"));
        await Expect(page.Locator("#item-audio-block")).ToBeHiddenAsync();

        // When Forget is pressed and the question dismissed, Then it stays; when it is accepted, Then the item is gone
        var questions = new List<string>();
        bool accept = false;
        page.Dialog += async (_, dialog) =>
        {
            questions.Add(dialog.Message);
            await (accept ? dialog.AcceptAsync() : dialog.DismissAsync());
        };
        await page.ClickAsync("#forget-item");
        await Expect(page.Locator("#item-details")).ToBeVisibleAsync();
        Assert.Contains(explorer.Store.List(), i => i.Id == "lamp");
        accept = true;
        await page.ClickAsync("#forget-item");
        await Expect(page.Locator("#items-status")).ToHaveTextAsync("Forgot lamp; the memory holds 12 items.");
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(12);
        await Expect(lamp).ToHaveCountAsync(0);
        await Expect(page.Locator("#item-details")).ToBeHiddenAsync();
        Assert.Equal(2, questions.Count);
        Assert.All(questions, q => Assert.StartsWith("Forget lamp?", q, StringComparison.Ordinal));
        Assert.DoesNotContain(explorer.Store.List(), i => i.Id == "lamp");
        browser.AssertNoErrors();

        // And an item the store refuses (an id it holds) shows the server's message, as other errors show
        await page.SetInputFilesAsync("#add-image", new FilePayload { Name = "again.png", MimeType = "image/png", Buffer = explorer.Png(31) });
        await page.FillAsync("#add-caption", "a second one");
        await page.FillAsync("#add-id", explorer.Emoji[0].Id);
        await page.ClickAsync("#add-submit");
        await Expect(page.Locator("#error")).ToContainTextAsync($"The store already holds an item with the id '{explorer.Emoji[0].Id}'");
        await Expect(page.Locator("#items .item")).ToHaveCountAsync(12);
    }

    [ChromiumFact]
    public async Task An_item_added_with_its_sound_has_that_sound_to_play_on_the_page()
    {
        // Given the page of a store of captions and sounds
        ChromiumFactAttribute.Require();
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(3);
        await using var browser = await Browser.OpenAsync(explorer.BaseAddress);
        IPage page = browser.Page;
        await Expect(page.Locator("#add-image-row")).ToBeHiddenAsync();

        // When an item is added with its caption, a WAV of half a second and an id
        await page.FillAsync("#add-caption", "a high whistle");
        await page.SetInputFilesAsync("#add-sound", new FilePayload { Name = "whistle.wav", MimeType = "audio/wav", Buffer = StoreExplorer.Wav(StoreExplorer.Tone(880)) });
        await page.FillAsync("#add-id", "whistle");
        await page.ClickAsync("#add-submit");
        await Expect(page.Locator("#items .item[data-id='whistle']")).ToHaveCountAsync(1);

        // Then, picked, it offers its sound in an audio player, which reads it as half a second long
        await page.ClickAsync("#items .item[data-id='whistle']");
        await Expect(page.Locator("#item-audio")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('item-audio').readyState >= 1");
        double duration = await page.EvalOnSelectorAsync<double>("#item-audio", "a => a.duration");
        Assert.InRange(duration, 0.45, 0.55);
        await Expect(page.Locator("#item-original-block")).ToBeHiddenAsync();

        // And an item stored without a WAV offers none
        await page.ClickAsync($"#items .item[data-id='{explorer.Emoji[0].Id}']");
        await Expect(page.Locator("[data-testid=selected-id]")).ToHaveTextAsync(explorer.Emoji[0].Id);
        await Expect(page.Locator("#item-audio-block")).ToBeHiddenAsync();
        browser.AssertNoErrors();
    }

    private static async Task<double[]> Energies(IPage page)
    {
        string[] values = await page.EvalOnSelectorAllAsync<string[]>("#energy-curve circle.energy-point", "points => points.map(p => p.dataset.energy)");
        return values.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }
}
