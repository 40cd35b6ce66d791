using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Explorer.Tests.Support;
using Engram.Store;

namespace Engram.Explorer.Tests;

/// <summary>The explorer over a living store: adding items through the API, forgetting them, and their media as given.</summary>
public sealed class StoreApiTests
{
    [Fact]
    public async Task An_item_added_through_the_api_is_listed_recalled_by_its_caption_and_keeps_its_png_as_given()
    {
        // Given a store of 12 emoji, served
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(12);
        byte[] png = explorer.Png(30);

        // When an item is added with its PNG (named mine.png) and a caption of its own, and no id
        var (status, added) = await explorer.AddAsync(png, "a picture of my very own lamp", fileName: "mine.png");

        // Then it is stored under the file's name, as the 13th item
        Assert.True(status == 201, added.ToString());
        Assert.Equal(("mine", 12, "a picture of my very own lamp"), (added.GetProperty("item").GetProperty("id").GetString(), added.GetProperty("item").GetProperty("index").GetInt32(), added.GetProperty("item").GetProperty("caption").GetString()));
        Assert.Equal(13, added.GetProperty("count").GetInt32());
        JsonElement memory = await explorer.Client.GetFromJsonAsync<JsonElement>("/api/memory");
        Assert.Equal((13, true), (memory.GetProperty("count").GetInt32(), memory.GetProperty("writable").GetBoolean()));
        JsonElement items = await explorer.Client.GetFromJsonAsync<JsonElement>("/api/items");
        Assert.Equal("mine", items.GetProperty("items")[12].GetProperty("id").GetString());

        // And its caption recalls it, and so does its own stored image, named by id
        using (HttpResponseMessage byCaption = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = "a picture of my very own lamp" }))
        {
            Assert.Equal("mine", (await ExplorerServer.ReadJsonAsync(byCaption)).GetProperty("item_id").GetString());
        }

        using (HttpResponseMessage byImage = await explorer.Client.PostAsJsonAsync("/api/recall", new { item = "mine", occlude = "bottom-half" }))
        {
            JsonElement recall = await ExplorerServer.ReadJsonAsync(byImage);
            Assert.Equal(("mine", 12), (recall.GetProperty("item_id").GetString(), recall.GetProperty("cue").GetProperty("item").GetInt32()));
        }

        // And the PNG is kept byte for byte: in the store, and served back as image/png
        Assert.Equal(png, explorer.Store.Media("mine", "image")!.Bytes);
        using HttpResponseMessage original = await explorer.Client.GetAsync(new Uri("/api/items/mine/original", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal("image/png", original.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await original.Content.ReadAsByteArrayAsync());
        JsonElement detail = await explorer.Client.GetFromJsonAsync<JsonElement>("/api/items/mine");
        Assert.Equal((12, true, false), (detail.GetProperty("index").GetInt32(), detail.GetProperty("original_image").GetBoolean(), detail.GetProperty("sound").GetBoolean()));
    }

    [Fact]
    public async Task An_item_added_as_a_jpeg_is_recalled_and_served_back_as_given_as_image_jpeg()
    {
        // Given a store of 12 emoji, served, and a JPEG of another emoji
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(12);
        using SixLabors.ImageSharp.Image picture = SixLabors.ImageSharp.Image.Load(explorer.Png(30));
        using var stream = new MemoryStream();
        picture.Save(stream, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 });
        byte[] jpeg = stream.ToArray();

        // When it is added as lamp.jpg
        var (status, added) = await explorer.AddAsync(jpeg, "a picture of my very own lamp", fileName: "lamp.jpg");

        // Then it is stored under the file's name, its caption recalls it, and the JPEG comes back byte for byte as image/jpeg
        Assert.True(status == 201, added.ToString());
        Assert.Equal("lamp", added.GetProperty("item").GetProperty("id").GetString());
        using (HttpResponseMessage byCaption = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = "a picture of my very own lamp" }))
        {
            Assert.Equal("lamp", (await ExplorerServer.ReadJsonAsync(byCaption)).GetProperty("item_id").GetString());
        }

        using HttpResponseMessage original = await explorer.Client.GetAsync(new Uri("/api/items/lamp/original", UriKind.Relative));
        Assert.Equal("image/jpeg", original.Content.Headers.ContentType?.MediaType);
        Assert.Equal(jpeg, await original.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_forgotten_item_is_gone_from_the_list_and_from_recall_and_its_index_then_serves_the_next_items_image()
    {
        // Given a store of 12 emoji, with the images of items 3 and 4 already served (and cached)
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(12);
        string forgotten = explorer.Emoji[3].Id;
        byte[] third = await explorer.Client.GetByteArrayAsync(new Uri("/api/items/3/image.png", UriKind.Relative));
        byte[] fourth = await explorer.Client.GetByteArrayAsync(new Uri("/api/items/4/image.png", UriKind.Relative));
        Assert.NotEqual(third, fourth);

        // When item 3 is forgotten by id
        var (status, answer) = await explorer.SendAsync(HttpMethod.Delete, $"/api/items/{Uri.EscapeDataString(forgotten)}");

        // Then the answer names it with the new count, and it is gone from the list, from recall and from the store
        Assert.True(status == 200, answer.ToString());
        Assert.Equal((forgotten, 11), (answer.GetProperty("forgotten").GetString(), answer.GetProperty("count").GetInt32()));
        JsonElement items = await explorer.Client.GetFromJsonAsync<JsonElement>("/api/items");
        Assert.Equal(11, items.GetProperty("count").GetInt32());
        Assert.DoesNotContain(items.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == forgotten);
        using (HttpResponseMessage response = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = explorer.Emoji[3].Caption, runners_up = 11 }))
        {
            JsonElement recall = await ExplorerServer.ReadJsonAsync(response);
            Assert.NotEqual(forgotten, recall.GetProperty("item_id").GetString());
            Assert.DoesNotContain(recall.GetProperty("runners_up").EnumerateArray(), r => r.GetProperty("id").GetString() == forgotten);
        }

        Assert.DoesNotContain(explorer.Store.List(), i => i.Id == forgotten);

        // And index 3 now serves what was item 4's image, not the cached image of the item forgotten
        Assert.Equal(fourth, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/3/image.png", UriKind.Relative)));

        // And forgetting it again, or asking for it, is a 404 naming it
        (status, answer) = await explorer.SendAsync(HttpMethod.Delete, $"/api/items/{forgotten}");
        Assert.Equal(404, status);
        Assert.Equal($"No item has the id '{forgotten}', so there is nothing to forget: give the id of a stored item (GET /api/items lists them).", answer.GetProperty("error").GetString());
        (status, answer) = await explorer.SendAsync(HttpMethod.Get, $"/api/items/{forgotten}/original");
        Assert.Equal(404, status);
        Assert.StartsWith($"No item has the id '{forgotten}'", answer.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ids_with_a_slash_or_a_percent_sign_are_named_url_encoded_in_paths()
    {
        // Given items whose ids hold a '/' (as a folder's items do) and a literal "%2F"
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(4);
        byte[] photo = explorer.Png(20), odd = explorer.Png(21);
        Assert.Equal(201, (await explorer.AddAsync(photo, "a photo in a sub folder", "sub/photo")).Status);
        Assert.Equal(201, (await explorer.AddAsync(odd, "an id with a percent sign", "a%2Fb")).Status);

        // Then "sub/photo" is named with its '/' encoded, or plain; and "a%2Fb" with its '%' encoded
        Assert.Equal(photo, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/sub%2Fphoto/original", UriKind.Relative)));
        Assert.Equal(photo, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/sub/photo/original", UriKind.Relative)));
        Assert.Equal(odd, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/a%252Fb/original", UriKind.Relative)));
        Assert.Equal("a%2Fb", (await explorer.SendAsync(HttpMethod.Get, "/api/items/a%252Fb")).Body.GetProperty("id").GetString());

        // And the image by index is still by index, and an id before image.png says where images are
        Assert.Equal(HttpStatusCode.OK, (await explorer.Client.GetAsync(new Uri("/api/items/4/image.png", UriKind.Relative))).StatusCode);
        var (status, refused) = await explorer.SendAsync(HttpMethod.Get, "/api/items/sub/photo/image.png");
        Assert.Equal(404, status);
        Assert.Contains("Stored images are served by index: GET /api/items/{index}/image.png", refused.GetProperty("error").GetString(), StringComparison.Ordinal);

        // And each is forgotten by its encoded id
        Assert.Equal("sub/photo", (await explorer.SendAsync(HttpMethod.Delete, "/api/items/sub%2Fphoto")).Body.GetProperty("forgotten").GetString());
        Assert.Equal("a%2Fb", (await explorer.SendAsync(HttpMethod.Delete, "/api/items/a%252Fb")).Body.GetProperty("forgotten").GetString());
        Assert.Equal(4, explorer.Store.Count);
    }

    [Fact]
    public async Task A_sound_given_with_an_item_is_kept_and_served_back_byte_for_byte()
    {
        // Given a store of captions and sounds, one of whose items keeps its sound only as a reference to a WAV beside the store
        byte[] referenced = StoreExplorer.Wav(StoreExplorer.Tone(660));
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(4, (store, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, "bell.wav"), referenced);
            store.Add(
                [new Multimodal.MemoryItem("bell", "a small bell")], audio: [StoreExplorer.Tone(660)],
                media: [[new StoredMedia("audio", null, "bell.wav")]]);
        });
        byte[] wav = StoreExplorer.Wav(StoreExplorer.Tone(880)), other = StoreExplorer.Wav(StoreExplorer.Tone(990));

        // When items are added with a caption and a WAV, in the field "sound" and in its alias "audio"
        var (status, added) = await explorer.AddAsync(null, "a high whistle", "whistle", sound: ("sound", "whistle.wav", wav));
        Assert.True(status == 201, added.ToString());
        Assert.Equal(201, (await explorer.AddAsync(null, "a higher whistle", "whistle-2", sound: ("audio", "w2.wav", other))).Status);

        // Then each sound is served back as given, as audio/wav
        using (HttpResponseMessage response = await explorer.Client.GetAsync(new Uri("/api/items/whistle/audio", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(wav, await response.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(other, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/whistle-2/audio", UriKind.Relative)));
        JsonElement detail = await explorer.Client.GetFromJsonAsync<JsonElement>("/api/items/whistle");
        Assert.Equal((false, true), (detail.GetProperty("original_image").GetBoolean(), detail.GetProperty("sound").GetBoolean()));

        // And the sound kept as a reference is served from its file while it is there, and said to be gone once it is not
        Assert.Equal(referenced, await explorer.Client.GetByteArrayAsync(new Uri("/api/items/bell/audio", UriKind.Relative)));
        File.Delete(Path.Combine(explorer.Folder, "bell.wav"));
        var (gone, error) = await explorer.SendAsync(HttpMethod.Get, "/api/items/bell/audio");
        Assert.Equal(404, gone);
        Assert.Equal(
            "Item 'bell''s sound is kept as a reference to bell.wav, and that file is gone: put it back there, or forget the item and add it again with its sound.",
            error.GetProperty("error").GetString());

        // And an item stored without its WAV has no sound to serve, saying so
        var (none, missing) = await explorer.SendAsync(HttpMethod.Get, $"/api/items/{explorer.Emoji[0].Id}/audio");
        Assert.Equal(404, none);
        Assert.Contains($"Item '{explorer.Emoji[0].Id}' has no stored sound: it was added without one", missing.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_mp3_or_ogg_given_with_an_item_is_kept_served_with_its_media_type_and_recalls_the_item_as_a_cue()
    {
        // Given a store of captions and sounds
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(4);
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sound");
        byte[] mp3 = File.ReadAllBytes(Path.Combine(fixtures, "tone.mp3")), ogg = File.ReadAllBytes(Path.Combine(fixtures, "short.ogg"));

        // When items are added with an MP3 and an OGG as their sounds
        var (status, added) = await explorer.AddAsync(null, "a chirp and a tone", "chirp", sound: ("sound", "chirp.mp3", mp3));
        Assert.True(status == 201, added.ToString());
        Assert.Equal(201, (await explorer.AddAsync(null, "a short chirp", "short", sound: ("audio", "short.ogg", ogg))).Status);

        // Then each is served back as given, with the media type its bytes prove
        foreach ((string id, byte[] bytes, string type) in new[] { ("chirp", mp3, "audio/mpeg"), ("short", ogg, "audio/ogg") })
        {
            using HttpResponseMessage response = await explorer.Client.GetAsync(new Uri($"/api/items/{id}/audio", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }

        // And the MP3, as a sound cue (the body, audio/mpeg), recalls its item from the sound alone
        using var body = new ByteArrayContent(mp3);
        body.Headers.ContentType = new MediaTypeHeaderValue("audio/mpeg");
        using HttpResponseMessage recalled = await explorer.Client.PostAsync(new Uri("/api/recall/audio", UriKind.Relative), body);
        JsonElement recall = await ExplorerServer.ReadJsonAsync(recalled);
        Assert.True(recalled.StatusCode == HttpStatusCode.OK, recall.ToString());
        Assert.Equal("chirp", recall.GetProperty("item_id").GetString());
        Assert.Equal(["audio"], recall.GetProperty("cue").GetProperty("slots").EnumerateArray().Select(s => s.GetString()));

        // And a damaged MP3 is refused naming it
        var (refused, error) = await explorer.AddAsync(null, "a cut chirp", "cut", sound: ("sound", "cut.mp3", mp3[..(mp3.Length / 2)]));
        Assert.Equal(400, refused);
        Assert.Contains("cut.mp3", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_of_captions_and_sounds_refuses_an_item_without_its_sound_an_image_or_an_id()
    {
        await using StoreExplorer explorer = await StoreExplorer.CaptionsAndSoundsAsync(3);
        byte[] wav = StoreExplorer.Wav(StoreExplorer.Tone(500));

        await AssertRefusedAsync(explorer, await explorer.AddAsync(null, "silent", "silent"), 400,
            "This store keeps a sound for every item: give the new item's sound, a file (WAV, MP3, OGG; others through ffmpeg) in the field \"sound\".");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(explorer.Png(5), "with a picture", "pictured", sound: ("sound", "s.wav", wav)), 400,
            "This store has no image slot (it has text, audio): add the item without an image (leave the field \"image\" out).");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(null, "no id", sound: ("sound", "s.wav", wav)), 400,
            "Give the new item an id in the field \"id\": without an image there is no file name to take it from.");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(null, "not a wav", "bad", sound: ("sound", "noise.wav", Encoding.ASCII.GetBytes("not a sound at all"))), 400,
            "The sound noise.wav (field \"sound\"): at byte 0: the file is text, not sound.");
        using MultipartFormDataContent both = StoreExplorer.Form([("sound", "a.wav", wav), ("audio", "b.wav", wav)], [("caption", "twice"), ("id", "twice")]);
        await AssertRefusedAsync(explorer, await explorer.SendAsync(HttpMethod.Post, "/api/items", both), 400, "Give the sound once, in the field \"sound\" (or \"audio\"), not in both.");
        Assert.Equal(3, explorer.Store.Count);
    }

    [Fact]
    public async Task Requests_to_add_that_cannot_be_taken_are_refused_naming_the_field_and_what_to_do()
    {
        // Given a store of images and captions that takes images of at most 5,000 pixels (an emoji is 64 × 64) and bodies of at most 64 KB
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(
            6, options: new ExplorerOptions { Urls = "http://127.0.0.1:0", MemoryName = "emoji.store", MaxImagePixels = 5000, MaxRequestBytes = 64 * 1024 });
        byte[] png = explorer.Png(10);
        Assert.Equal(201, (await explorer.AddAsync(png, "the first one", "taken")).Status);

        // Missing parts, parts the store has no slot for, parts of the wrong kind
        await AssertRefusedAsync(explorer, await explorer.AddAsync(null, "no picture", "bare"), 400,
            "This store keeps an image for every item: give the new item's image, a file (JPEG, PNG, GIF, BMP, TIFF, WebP or TGA) in the field \"image\".");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(png, null, "uncaptioned"), 400,
            "This store keeps a caption for every item: give the new item's caption in the field \"caption\".");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(png, "with a sound", "loud", sound: ("sound", "s.wav", StoreExplorer.Wav(StoreExplorer.Tone(300)))), 400,
            "This store has no audio slot (it has image, text): add the item without a sound (leave the field \"sound\" out).");
        using (MultipartFormDataContent unknown = StoreExplorer.Form([("image", "p.png", png)], [("caption", "x"), ("title", "x")]))
        {
            await AssertRefusedAsync(explorer, await explorer.SendAsync(HttpMethod.Post, "/api/items", unknown), 400,
                "Unknown field 'title' in the form: POST /api/items takes image (a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file), caption (text), sound (a WAV file; \"audio\" is taken too) and optionally id (text).");
        }

        using (MultipartFormDataContent text = StoreExplorer.Form([], [("image", "photo.png"), ("caption", "x")]))
        {
            await AssertRefusedAsync(explorer, await explorer.SendAsync(HttpMethod.Post, "/api/items", text), 400,
                "The field \"image\" holds text; send the image as a file (with curl: -F image=@photo.jpg).");
        }

        // Files that do not decode, or are too large, with the decoder's or the cap's message
        await AssertRefusedAsync(explorer, await explorer.AddAsync(Encoding.ASCII.GetBytes("my shopping list, not a picture"), "a list", "list", fileName: "cat.png"), 400,
            "The image cat.png (field \"image\"): at byte 0: not an image Engram reads: its first bytes are not those of a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file. Convert it to PNG or JPEG. Send the item's image as a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file in the field \"image\".");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(PngEncoder.Encode(new Image(100, 100, PixelLayout.Rgb)), "too many pixels", "big", fileName: "big.png"), 400,
            "The image big.png (field \"image\") is 100×100 pixels; the explorer takes images of at most 5,000 pixels. Scale it down to about 70 pixels a side");
        using (var bmp = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(100, 80))
        using (var encoded = new MemoryStream())
        {
            bmp.Save(encoded, new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder());
            await AssertRefusedAsync(explorer, await explorer.AddAsync(encoded.ToArray(), "too many pixels", "big-bmp", fileName: "big.bmp"), 400,
                "The image big.bmp (field \"image\") is 100×80 pixels; the explorer takes images of at most 5,000 pixels.");
        }

        await AssertRefusedAsync(explorer, await explorer.AddAsync(new byte[100 * 1024], "too long", "long"), 413,
            "this explorer takes at most 65,536 bytes");

        // A body that is no form, or a form cut short
        using (var json = new StringContent("{\"caption\": \"x\"}", Encoding.UTF8, "application/json"))
        {
            await AssertRefusedAsync(explorer, await explorer.SendAsync(HttpMethod.Post, "/api/items", json), 415,
                "POST /api/items takes multipart/form-data with the new item's fields: image (a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file), caption (text)");
        }

        byte[] cut = Encoding.ASCII.GetBytes("--xyz\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhalf a for");
        using (var truncated = new ByteArrayContent(cut))
        {
            truncated.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");
            await AssertRefusedAsync(explorer, await explorer.SendAsync(HttpMethod.Post, "/api/items", truncated), 400,
                "The multipart body is malformed (it ends before the closing boundary --xyz--");
        }

        // An id already stored is a conflict, naming it and what to do
        await AssertRefusedAsync(explorer, await explorer.AddAsync(png, "again", "taken"), 409,
            "The store already holds an item with the id 'taken': forget it first (the item's Forget button, or DELETE /api/items/taken), or give the new item an id of its own (the field \"id\").");
        await AssertRefusedAsync(explorer, await explorer.AddAsync(png, "an emoji's id", explorer.Emoji[0].Id), 409, $"already holds an item with the id '{explorer.Emoji[0].Id}'");

        // And none of it changed the store
        Assert.Equal(7, explorer.Store.Count);
        Assert.Equal(7, (await explorer.Client.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task An_id_another_process_added_meanwhile_is_a_conflict_too()
    {
        // Given an explorer over a store, and the same store opened a second time (as `engram add` in a terminal opens it)
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(3);
        using (MemoryStore other = MemoryStore.Open(explorer.Store.Path))
        {
            other.Add([new Multimodal.MemoryItem("theirs", "added elsewhere")], Tensor.FromArray(new float[3 * 32 * 32], 1, 3 * 32 * 32));
        }

        // When the explorer, whose snapshot has not seen it, is asked to add the same id
        var (status, body) = await explorer.AddAsync(explorer.Png(9), "mine", "theirs");

        // Then it is a 409, not a 400 or a 500
        Assert.True(status == 409, body.ToString());
        Assert.Contains("already holds an item with the id 'theirs'", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_store_is_described_lists_nothing_refuses_to_recall_and_takes_its_first_item()
    {
        // Given a store nothing has been added to
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(0);

        // Then it is described with its slots and no items, and lists none
        JsonElement memory = await explorer.Client.GetFromJsonAsync<JsonElement>("/api/memory");
        Assert.Equal((0, true, "hen"), (memory.GetProperty("count").GetInt32(), memory.GetProperty("writable").GetBoolean(), memory.GetProperty("engine").GetString()));
        Assert.Equal(["image:256", "text:64"], memory.GetProperty("slots").EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()}:{s.GetProperty("length").GetInt32()}"));
        Assert.Equal(1000, memory.GetProperty("options").GetProperty("beta").GetDouble());
        Assert.Empty((await explorer.Client.GetFromJsonAsync<JsonElement>("/api/items")).GetProperty("items").EnumerateArray());

        // And a recall, the separability and a stored image are refused saying that there are no items yet
        await AssertEmptyAsync(explorer);

        // When one item is added, Then it recalls; once it is forgotten, the store is empty again
        Assert.Equal(201, (await explorer.AddAsync(explorer.Png(7), "the only one", "only")).Status);
        using (HttpResponseMessage response = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = "the only one" }))
        {
            Assert.Equal("only", (await ExplorerServer.ReadJsonAsync(response)).GetProperty("item_id").GetString());
        }

        Assert.Equal(0, (await explorer.SendAsync(HttpMethod.Delete, "/api/items/only")).Body.GetProperty("count").GetInt32());
        await AssertEmptyAsync(explorer);
    }

    [Fact]
    public async Task A_write_while_another_process_holds_the_store_is_refused_as_busy_and_the_next_one_works()
    {
        // Given a store that another connection is in the middle of writing to
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(3);
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={explorer.Store.Path};Pooling=False"))
        {
            other.Open();
            using (Microsoft.Data.Sqlite.SqliteCommand begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }

            // When an item is added through the explorer (which waits out SQLite's busy timeout)
            var (status, body) = await explorer.AddAsync(explorer.Png(8), "while busy", "busy");

            // Then it is a 503 saying another process is writing, and nothing was stored
            Assert.True(status == 503, body.ToString());
            Assert.Contains("is being written by another process (one writer at a time): try again once it is done.", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(3, explorer.Store.Count);
        Assert.Equal(201, (await explorer.AddAsync(explorer.Png(8), "once it is free", "busy")).Status);
    }

    private static async Task AssertEmptyAsync(StoreExplorer explorer)
    {
        using (HttpResponseMessage recall = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = "anything" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, recall.StatusCode);
            Assert.Equal(
                "This store holds no items yet, so there is nothing to recall: add one first (the page's \"Add an item\" form, POST /api/items, or engram add), then recall.",
                (await ExplorerServer.ReadJsonAsync(recall)).GetProperty("error").GetString());
        }

        var (status, body) = await explorer.SendAsync(HttpMethod.Get, "/api/separability");
        Assert.Equal(409, status);
        Assert.Contains("This store holds no items yet", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        (status, body) = await explorer.SendAsync(HttpMethod.Get, "/api/items/0/image.png");
        Assert.Equal(404, status);
        Assert.Equal("No item 0: this store holds no items yet (add one with POST /api/items or the page's \"Add an item\" form).", body.GetProperty("error").GetString());
        Assert.Equal(0, (await explorer.Client.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("count").GetInt32());
    }

    // A refusal is the status and message asked for, and the explorer still recalls after it (when it has items to recall).
    private static async Task AssertRefusedAsync(StoreExplorer explorer, (int Status, JsonElement Body) answer, int status, string message)
    {
        Assert.True(answer.Status == status, $"expected {status}, got {answer.Status}: {answer.Body}");
        Assert.Contains(message, answer.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        using HttpResponseMessage recall = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = explorer.Emoji[0].Caption });
        Assert.Equal(explorer.Emoji[0].Id, (await ExplorerServer.ReadJsonAsync(recall)).GetProperty("item_id").GetString());
    }
}

/// <summary>A memory file is served read-only: the explorer refuses to add or forget, and has no media as given to serve.</summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class ReadOnlyMemoryTests(ExplorerServer server)
{
    [Fact]
    public async Task A_memory_file_refuses_to_add_or_forget_items_and_says_to_import_it_into_a_store()
    {
        // Given the explorer of a memory file
        JsonElement memory = await server.Client.GetFromJsonAsync<JsonElement>("/api/memory");
        Assert.False(memory.GetProperty("writable").GetBoolean());
        const string Advice = "To add and forget items, import it into a store (engram import --memory emoji.engram --out emoji.store) and serve that (engram serve --memory emoji.store).";

        // When an item is added, Then it is a 405 (Allow: GET) saying that the file only reads, and what to do instead
        using var form = StoreExplorer.Form([("image", "photo.png", PngEncoder.Encode(server.Emoji[0].Image))], [("caption", "x"), ("id", "new")]);
        using (HttpResponseMessage added = await server.Client.PostAsync(new Uri("/api/items", UriKind.Relative), form))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, added.StatusCode);
            Assert.Equal(["GET"], added.Content.Headers.Allow);
            Assert.Equal(
                $"This explorer serves emoji.engram, a memory file, which is read-only: it cannot add items. {Advice}",
                (await ExplorerServer.ReadJsonAsync(added)).GetProperty("error").GetString());
        }

        // And forgetting is refused the same way, leaving the item there
        using (HttpResponseMessage forgotten = await server.Client.DeleteAsync(new Uri($"/api/items/{server.Emoji[2].Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, forgotten.StatusCode);
            Assert.Equal($"This explorer serves emoji.engram, a memory file, which is read-only: it cannot forget items. {Advice}", (await ExplorerServer.ReadJsonAsync(forgotten)).GetProperty("error").GetString());
        }

        Assert.Equal(ExplorerServer.ItemCount, (await server.Client.GetFromJsonAsync<JsonElement>("/api/items")).GetProperty("count").GetInt32());

        // And an item's sound or image as given is a 404: a memory file keeps codes, not media
        using HttpResponseMessage audio = await server.Client.GetAsync(new Uri($"/api/items/{server.Emoji[2].Id}/audio", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, audio.StatusCode);
        Assert.StartsWith("emoji.engram is a memory file: it keeps each item's codes, not its sound as given.", (await ExplorerServer.ReadJsonAsync(audio)).GetProperty("error").GetString(), StringComparison.Ordinal);
        JsonElement detail = await server.Client.GetFromJsonAsync<JsonElement>($"/api/items/{server.Emoji[2].Id}");
        Assert.Equal((2, false, false), (detail.GetProperty("index").GetInt32(), detail.GetProperty("original_image").GetBoolean(), detail.GetProperty("sound").GetBoolean()));
    }
}
