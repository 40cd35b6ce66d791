using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Engram.Data.Audio;
using Engram.Data.Png;
using Engram.Explorer.Tests.Support;

namespace Engram.Explorer.Tests;

/// <summary>The explorer's JSON API, over HTTP on 127.0.0.1, as the page and a person with curl use it.</summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class ApiTests(ExplorerServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task The_memory_is_described_with_its_slots_encoders_image_shape_options_and_limits()
    {
        JsonElement memory = await Client.GetFromJsonAsync<JsonElement>("/api/memory");

        Assert.Equal(ExplorerServer.ItemCount, memory.GetProperty("count").GetInt32());
        Assert.Equal("emoji.engram", memory.GetProperty("name").GetString());
        Assert.Equal(["image", "text"], memory.GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.All(memory.GetProperty("slots").EnumerateArray(), s => Assert.True(s.GetProperty("length").GetInt32() > 0));
        Assert.Equal(["image:autoencoder", "text:ngram"], memory.GetProperty("encoders").EnumerateArray().Select(e => $"{e.GetProperty("slot")}:{e.GetProperty("kind")}"));
        JsonElement shape = memory.GetProperty("image_shape");
        Assert.Equal((3, 32, 32), (shape.GetProperty("channels").GetInt32(), shape.GetProperty("height").GetInt32(), shape.GetProperty("width").GetInt32()));
        JsonElement options = memory.GetProperty("options");
        Assert.Equal("l2", options.GetProperty("similarity").GetString());
        Assert.Equal(1000, options.GetProperty("beta").GetDouble());
        Assert.Equal(10, options.GetProperty("steps").GetInt32());
        Assert.Equal("masked-free", memory.GetProperty("default_cue_mode").GetString());
        Assert.Equal(8L * 1024 * 1024, memory.GetProperty("limits").GetProperty("max_request_bytes").GetInt64());
    }

    [Fact]
    public async Task Items_are_listed_in_pages_with_their_ids_and_captions_and_can_be_filtered()
    {
        JsonElement page = await Client.GetFromJsonAsync<JsonElement>("/api/items?offset=5&limit=10");

        Assert.Equal(ExplorerServer.ItemCount, page.GetProperty("count").GetInt32());
        JsonElement[] items = [.. page.GetProperty("items").EnumerateArray()];
        Assert.Equal(10, items.Length);
        for (int k = 0; k < items.Length; k++)
        {
            Assert.Equal(5 + k, items[k].GetProperty("index").GetInt32());
            Assert.Equal(server.Emoji[5 + k].Id, items[k].GetProperty("id").GetString());
            Assert.Equal(server.Emoji[5 + k].Caption, items[k].GetProperty("caption").GetString());
        }

        // A filter matches ids and captions, ignoring case
        string caption = server.Emoji[12].Caption!;
        JsonElement filtered = await Client.GetFromJsonAsync<JsonElement>($"/api/items?q={Uri.EscapeDataString(caption.ToUpperInvariant())}");
        Assert.Contains(filtered.GetProperty("items").EnumerateArray(), i => i.GetProperty("index").GetInt32() == 12);
        Assert.All(filtered.GetProperty("items").EnumerateArray(), i => Assert.Contains(caption, i.GetProperty("caption").GetString()!, StringComparison.OrdinalIgnoreCase));

        // Past the end: an empty page, not an error
        JsonElement beyond = await Client.GetFromJsonAsync<JsonElement>("/api/items?offset=100");
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_recall_says_how_sure_it_is_and_calls_a_nonsense_caption_no_match()
    {
        // When a stored caption and a caption of made-up words are the cues
        var (status, stored) = await server.RecallAsync(new { text = server.Emoji[3].Caption });
        var (nonsenseStatus, nonsense) = await server.RecallAsync(new { text = "qwertyuiop zzz" });

        // Then both answer with some item, but only the stored caption is a match, at similarity 1 to its item
        Assert.Equal((200, 200), (status, nonsenseStatus));
        JsonElement sure = stored.GetProperty("confidence"), unsure = nonsense.GetProperty("confidence");
        Assert.Equal("match", sure.GetProperty("verdict").GetString());
        Assert.Equal(1.0, sure.GetProperty("similarity").GetDouble(), 4);
        Assert.Equal(1.0, stored.GetProperty("runners_up")[0].GetProperty("similarity").GetDouble(), 4);
        Assert.Equal("no-match", unsure.GetProperty("verdict").GetString());
        Assert.Contains("spelling", unsure.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_image_is_served_as_a_png_of_the_memorys_image_size()
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri("/api/items/3/image.png", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        PngImage png = PngDecoder.Decode(await response.Content.ReadAsByteArrayAsync(), "image.png");
        Assert.Equal((32, 32, 3), (png.Image.Width, png.Image.Height, png.Image.Channels));

        // Dec(ξ) of item 3, as the memory decodes it (to 8 bits)
        float[] expected = server.Memory.StoredImage(3)!;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(Math.Clamp(expected[i], 0, 1) - png.Image.Pixels[i]) <= 0.5 / 255 + 1e-6, $"sample {i}");
        }
    }

    [Fact]
    public async Task A_caption_recalls_its_item_with_the_image_runners_up_and_a_trace_whose_energy_never_rises()
    {
        // Given the caption of item 7
        int target = 7;

        // When it is the cue, with a trace
        var (status, recall) = await server.RecallAsync(new { text = server.Emoji[target].Caption, trace = true });

        // Then item 7 comes back, dominant, with its decoded image, and the energy falls step by step
        Assert.Equal(200, status);
        Assert.Equal(server.Emoji[target].Id, recall.GetProperty("item_id").GetString());
        Assert.Equal(target, recall.GetProperty("item_index").GetInt32());
        Assert.Equal(server.Emoji[target].Caption, recall.GetProperty("caption").GetString());
        Assert.False(recall.GetProperty("metastable").GetBoolean());
        Assert.True(recall.GetProperty("top_weight").GetDouble() > 0.5);
        Assert.Equal(target, recall.GetProperty("runners_up")[0].GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, recall.GetProperty("cue_png").ValueKind);
        Assert.Equal(["text"], recall.GetProperty("cue").GetProperty("slots").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal((32, 32), Size(recall.GetProperty("image_png")));

        double[] energies = [.. recall.GetProperty("energies").EnumerateArray().Select(e => e.GetDouble())];
        int steps = recall.GetProperty("steps").GetInt32();
        Assert.Equal(steps + 1, energies.Length);
        AssertNeverRises(energies);
        JsonElement[] trace = [.. recall.GetProperty("trace").EnumerateArray()];
        Assert.Equal(steps, trace.Length);
        for (int t = 0; t < trace.Length; t++)
        {
            Assert.Equal(t + 1, trace[t].GetProperty("step").GetInt32());
            Assert.Equal(energies[t + 1], trace[t].GetProperty("energy").GetDouble(), 1e-6);
            Assert.Equal((32, 32), Size(trace[t].GetProperty("image_png")));
            Assert.NotEmpty(trace[t].GetProperty("top").EnumerateArray());
        }

        Assert.Equal(target, trace[^1].GetProperty("top")[0].GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task Stored_items_with_the_bottom_half_hidden_recall_themselves_and_the_cue_shows_what_the_memory_saw()
    {
        int recalled = 0;
        for (int i = 0; i < ExplorerServer.ItemCount; i++)
        {
            var (status, recall) = await server.RecallAsync(new { item = i, occlude = "bottom-half" });
            Assert.Equal(200, status);
            recalled += recall.GetProperty("item_index").GetInt32() == i ? 1 : 0;
            Assert.Equal(16 * 32, recall.GetProperty("cue").GetProperty("hidden_pixels").GetInt32());
            if (i == 0)
            {
                // The cue as the memory saw it: the bottom half black
                PngImage cue = PngDecoder.Decode(Convert.FromBase64String(recall.GetProperty("cue_png").GetString()!), "cue");
                Assert.All(cue.Image.Pixels.Skip(16 * 32 * 3), v => Assert.Equal(0f, v));
                Assert.Contains(cue.Image.Pixels.Take(16 * 32 * 3), v => v > 0);
            }
        }

        // As in MultimodalMemoryTests: the top halves of some faces are alike, so a few are ambiguous
        Assert.True(recalled >= 0.9 * ExplorerServer.ItemCount, $"{recalled} of {ExplorerServer.ItemCount} recalled from their top half");
    }

    [Fact]
    public async Task A_brushed_mask_hides_the_same_pixels_as_the_occlusion_it_draws()
    {
        var mask = new int[32 * 32];
        Array.Fill(mask, 1, 0, 16 * 32);
        var (_, byOcclusion) = await server.RecallAsync(new { item = 11, occlude = "bottom-half" });
        var (status, byMask) = await server.RecallAsync(new { item = 11, mask });

        Assert.Equal(200, status);
        Assert.Equal(byOcclusion.GetProperty("cue_png").GetString(), byMask.GetProperty("cue_png").GetString());
        Assert.Equal(byOcclusion.GetProperty("item_id").GetString(), byMask.GetProperty("item_id").GetString());
        Assert.Equal(byOcclusion.GetProperty("energies").ToString(), byMask.GetProperty("energies").ToString());
    }

    [Fact]
    public async Task An_uploaded_png_of_any_size_is_prepared_like_the_stored_images_and_recalls_its_item()
    {
        // The original emoji PNG (larger than the memory's 32×32), with some noise on top
        string png = Convert.ToBase64String(PngEncoder.Encode(server.Emoji[20].Image));
        var (status, recall) = await server.RecallAsync(new { image_png = png, noise = 0.05, seed = 3 });

        Assert.Equal(200, status);
        Assert.Equal(server.Emoji[20].Id, recall.GetProperty("item_id").GetString());
        Assert.Equal((32, 32), Size(recall.GetProperty("cue_png")));
        Assert.Equal(0.05, recall.GetProperty("cue").GetProperty("noise").GetDouble());
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("webp")]
    [InlineData("gif")]
    public async Task An_uploaded_image_of_another_format_in_image_png_recalls_its_item(string format)
    {
        // Given the original emoji as a JPEG, a WebP or a GIF (the field keeps its name, and takes any format Engram reads)
        using SixLabors.ImageSharp.Image picture = SixLabors.ImageSharp.Image.Load(PngEncoder.Encode(server.Emoji[20].Image));
        using var bytes = new MemoryStream();
        SixLabors.ImageSharp.Formats.IImageEncoder encoder = format switch
        {
            "jpeg" => new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 },
            "webp" => new SixLabors.ImageSharp.Formats.Webp.WebpEncoder(),
            _ => new SixLabors.ImageSharp.Formats.Gif.GifEncoder(),
        };
        picture.Save(bytes, encoder);

        // When it is the image cue
        var (status, recall) = await server.RecallAsync(new { image_png = Convert.ToBase64String(bytes.ToArray()) });

        // Then it is prepared like the stored images and recalls its item
        Assert.True(status == 200, recall.ToString());
        Assert.Equal(server.Emoji[20].Id, recall.GetProperty("item_id").GetString());
    }

    [Fact]
    public async Task Recall_options_can_be_overridden_per_request()
    {
        var (status, recall) = await server.RecallAsync(new { text = server.Emoji[2].Caption, beta = 50, steps = 3, similarity = "cosine", cue_mode = "masked" });

        Assert.Equal(200, status);
        JsonElement options = recall.GetProperty("options");
        Assert.Equal(("cosine", 50.0, 3, "masked"), (options.GetProperty("similarity").GetString(), options.GetProperty("beta").GetDouble(), options.GetProperty("steps").GetInt32(), options.GetProperty("cue_mode").GetString()));
        Assert.True(recall.GetProperty("steps").GetInt32() <= 3);
    }

    [Fact]
    public async Task The_separability_histograms_compare_each_code_with_its_occluded_cue_and_with_the_others()
    {
        JsonElement report = await Client.GetFromJsonAsync<JsonElement>("/api/separability");

        Assert.Equal("image", report.GetProperty("slot").GetString());
        Assert.Equal(ExplorerServer.ItemCount, report.GetProperty("items").GetInt32());
        Assert.False(report.GetProperty("capped").GetBoolean());
        double[] edges = [.. report.GetProperty("bin_edges").EnumerateArray().Select(e => e.GetDouble())];
        double[] matched = [.. report.GetProperty("matched").EnumerateArray().Select(e => e.GetDouble())];
        double[] unmatched = [.. report.GetProperty("unmatched").EnumerateArray().Select(e => e.GetDouble())];
        Assert.Equal(edges.Length - 1, matched.Length);
        Assert.Equal(edges.Length - 1, unmatched.Length);
        Assert.Equal((-1.0, 1.0), (edges[0], edges[^1]));
        Assert.Equal(1.0, matched.Sum(), 1e-9);
        Assert.Equal(1.0, unmatched.Sum(), 1e-9);
        Assert.InRange(report.GetProperty("overlap").GetDouble(), 0, 1);

        // A half-hidden image's code is nearer its own stored code than the other stored codes are, on average
        Assert.True(report.GetProperty("matched_mean").GetDouble() > report.GetProperty("unmatched_mean").GetDouble(), report.ToString());
    }

    [Fact]
    public async Task Malformed_json_unknown_fields_and_wrong_types_are_refused_with_what_was_wrong_and_the_server_goes_on()
    {
        await AssertRefusedAsync(Json("{\"text\": "), 400, "not valid JSON");
        await AssertRefusedAsync(Json("[1, 2]"), 400, "must be a JSON object");
        await AssertRefusedAsync(Json("{\"caption\": \"red apple\"}"), 400, "Unknown field 'caption'");
        await AssertRefusedAsync(Json("{\"item\": true}"), 400, "'item' must be a stored item's id (a string) or index (a whole number); item is a boolean (true).");
        await AssertRefusedAsync(Json("{\"item\": 1, \"mask\": [1, \"x\"]}"), 400, "mask[1] is a string");
        await AssertRefusedAsync(Json("{\"text\": \"x\", \"trace\": null}"), 400, "'trace' must be true or false");
    }

    [Fact]
    public async Task Should_refuse_invalid_utf8_and_broken_unicode_in_a_json_body_with_400_and_go_on_serving()
    {
        // Given JSON bodies whose bytes are not UTF-8 (in a value, in a field name, cut inside a character) or whose escapes name half a character
        byte[] Bytes(string before, byte[] bad, string after) => [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];

        // When each is sent, then each is a 400 that says where the body stops being UTF-8, and a recall still works after it
        await AssertRefusedAsync(Body(Bytes("{\"text\": \"red ", [0xff, 0xfe], "\"}"), "application/json"), 400, "not valid UTF-8 at byte 14");
        await AssertRefusedAsync(Body(Bytes("{\"", [0xc3, 0x28], "\": 1}"), "application/json"), 400, "not valid UTF-8 at byte 2");
        await AssertRefusedAsync(Body(Bytes("{\"text\": \"", [0xe2, 0x82], ""), "application/json"), 400, "not valid UTF-8 at byte 10");
        await AssertRefusedAsync(Body(Bytes("{\"text\": \"", [0xed, 0xa0, 0x80], "\"}"), "application/json"), 400, "not valid UTF-8 at byte 10");
        await AssertRefusedAsync(Json("{\"text\": \"\\ud800\"}"), 400, "holds a field name or string that is not valid Unicode");
        await AssertRefusedAsync(Json("{\"\\udc00\": 1}"), 400, "holds a field name or string that is not valid Unicode");
    }

    [Fact]
    public async Task Should_refuse_a_truncated_or_misframed_multipart_body_with_400_and_go_on_serving()
    {
        // Given a well-formed sound upload, as bytes
        byte[] wav = Wav(new AudioClip(16000, 1, new float[1600]));
        byte[] Form(string boundary, string disposition, byte[] content) =>
        [
            .. Encoding.UTF8.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\nContent-Type: audio/wav\r\n\r\n"),
            .. content,
            .. Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n"),
        ];
        byte[] whole = Form("xyz", "name=\"audio\"; filename=\"a.wav\"", wav);

        // When it is cut short, sent without its boundary, under another boundary, or with bytes that are not UTF-8 in its headers or its cue
        await AssertRefusedAsync(Body(whole[..(whole.Length / 2)], "multipart/form-data; boundary=xyz"), 400, "The multipart body is malformed (it ends before the closing boundary --xyz--", AudioPath);
        await AssertRefusedAsync(Body(whole[..60], "multipart/form-data; boundary=xyz"), 400, "The multipart body is malformed", AudioPath);
        await AssertRefusedAsync(Body(whole, "multipart/form-data"), 400, "The multipart body is malformed (Missing content-type boundary)", AudioPath);
        await AssertRefusedAsync(Body(whole, "multipart/form-data; boundary=other"), 400, "The multipart body is malformed (it ends before the closing boundary --other--", AudioPath);
        byte[] badName = Form("xyz", "name=\"au\u00ffdio\"; filename=\"a.wav\"", wav);
        badName[Array.IndexOf(badName, (byte)0xc3)] = 0xff;
        await AssertRefusedAsync(Body(badName, "multipart/form-data; boundary=xyz"), 400, "This memory has no audio slot", AudioPath);
        byte[] cue = [.. Encoding.UTF8.GetBytes("--xyz\r\nContent-Disposition: form-data; name=\"cue\"\r\n\r\n{\"te"), 0xff, .. Encoding.UTF8.GetBytes("xt\": 1}\r\n"), .. whole];
        await AssertRefusedAsync(Body(cue, "multipart/form-data; boundary=xyz"), 400, "Unknown field 'te\uFFFDxt'", AudioPath);

        // Then each was a 400 with a message, and a recall still works after each (checked by AssertRefusedAsync)
    }

    [Fact]
    public async Task Cues_the_memory_cannot_take_are_refused_with_the_memorys_message()
    {
        await AssertRefusedAsync(Json("{}"), 400, "The cue is empty: give an image, a caption or a sound (this memory has image, text)");
        await AssertRefusedAsync(Json("{\"occlude\": \"bottom-half\", \"text\": \"x\"}"), 400, "occlude, noise and mask change an image cue");
        await AssertRefusedAsync(Json("{\"item\": 1, \"occlude\": \"middle\"}"), 400, "Unknown occlusion 'middle'");
        await AssertRefusedAsync(Json("{\"item\": 1, \"mask\": [1, 0, 1]}"), 400, "mask has 3 values; this memory's images are 32×32, so it needs 1024");
        await AssertRefusedAsync(Json("{\"item\": 1, \"image_png\": \"AAAA\"}"), 400, "either image_png or item");
        await AssertRefusedAsync(Json("{\"image_png\": \"not base64!\"}"), 400, "image_png is not base64");
        await AssertRefusedAsync(Json("{\"image_png\": \"AAAAAAAA\"}"), 400, "image_png");
        await AssertRefusedAsync(Json("{\"text\": \"x\", \"beta\": -1}"), 400, "beta (β, the inverse temperature) must be a number > 0");
        await AssertRefusedAsync(Json("{\"text\": \"x\", \"similarity\": \"manhattan\"}"), 400, "Unknown similarity 'manhattan'");
        await AssertRefusedAsync(Json("{\"text\": \"x\", \"steps\": 500, \"trace\": true}"), 400, "at most 100 steps");

        // A sound, which this memory has no slot for
        using var wav = new ByteArrayContent(Wav(new AudioClip(16000, 1, new float[1600])));
        wav.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        await AssertRefusedAsync(wav, 400, "This memory has no audio slot (it has image, text): cue it with one of those.", "/api/recall/audio");
    }

    [Fact]
    public async Task A_sound_is_taken_as_a_multipart_upload_with_an_optional_cue_beside_it()
    {
        // The memory has no audio slot, so the sound is refused by the memory: the upload itself was read
        using var form = new MultipartFormDataContent();
        using var file = new ByteArrayContent(Wav(new AudioClip(16000, 1, new float[1600])));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "audio", "hello.wav");
        form.Add(new StringContent("{\"text\": \"x\"}"), "cue");
        await AssertRefusedAsync(form, 400, "This memory has no audio slot", "/api/recall/audio");

        // A file that is not a WAV says so, naming it
        using var bad = new MultipartFormDataContent();
        using var notWav = new ByteArrayContent(Encoding.ASCII.GetBytes("hello"));
        bad.Add(notWav, "audio", "hello.wav");
        await AssertRefusedAsync(bad, 400, "hello.wav", "/api/recall/audio");
    }

    [Fact]
    public async Task Unknown_items_are_404_with_a_message()
    {
        await AssertRefusedAsync(Json("{\"item\": 999}"), 404, $"No item 999: this memory holds items 0 to {ExplorerServer.ItemCount - 1}.");
        await AssertStatusAsync("/api/items/999/image.png", 404, "No item 999");
        await AssertStatusAsync("/api/items/-1/image.png", 404, "No item '-1'");
        await AssertStatusAsync("/api/items/abc/image.png", 404, "No item 'abc'");
        await AssertStatusAsync("/api/items?limit=0", 400, "limit must be a whole number from 1 to 1000; got '0'.");
        await AssertStatusAsync("/api/nothing", 404, "No endpoint GET /api/nothing");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_and_a_body_over_the_limit_is_413_each_saying_why()
    {
        using var text = new StringContent("red apple", Encoding.UTF8, "text/plain");
        await AssertRefusedAsync(text, 415, "POST /api/recall takes a JSON body (Content-Type: application/json); got 'text/plain; charset=utf-8'.");
        using var image = new ByteArrayContent([1, 2, 3]);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await AssertRefusedAsync(image, 415, "POST /api/recall/audio takes a sound file (WAV, MP3, OGG; others through ffmpeg)", "/api/recall/audio");

        // 9 MB of JSON: read past and refused, naming the limit
        string big = "{\"image_png\": \"" + new string('A', 9 * 1024 * 1024) + "\"}";
        using var large = new StringContent(big, Encoding.UTF8, "application/json");
        await AssertRefusedAsync(large, 413, "this explorer takes at most 8,388,608 bytes (8 MB) per request");

        // The same without a length up front (chunked): refused while it is read
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/recall") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("at most 8,388,608 bytes", (await ExplorerServer.ReadJsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertStillServingAsync();

        // 100 MB announced with Expect: 100-continue: refused before a byte of it is sent
        using var huge = new ZerosContent(100L * 1024 * 1024, "application/json");
        using var announced = new HttpRequestMessage(HttpMethod.Post, "/api/recall") { Content = huge };
        announced.Headers.ExpectContinue = true;
        using HttpResponseMessage refused = await Client.SendAsync(announced);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("The request body is 104,857,600 bytes", (await ExplorerServer.ReadJsonAsync(refused)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, huge.Written);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Requests_addressed_to_another_host_name_are_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/memory");
        request.Headers.Host = "attacker.example";
        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("answers only requests addressed to localhost, a loopback address", (await ExplorerServer.ReadJsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    private const string AudioPath = "/api/recall/audio";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static ByteArrayContent Body(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private async Task AssertRefusedAsync(HttpContent content, int status, string message, string path = "/api/recall")
    {
        using (content)
        {
            using HttpResponseMessage response = await Client.PostAsync(new Uri(path, UriKind.Relative), content);
            JsonElement body = await ExplorerServer.ReadJsonAsync(response);
            Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
            Assert.Contains(message, body.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        await AssertStillServingAsync();
    }

    private async Task AssertStatusAsync(string path, int status, string message)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        JsonElement body = await ExplorerServer.ReadJsonAsync(response);
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Contains(message, body.GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    // After every refusal the server still answers a recall.
    private async Task AssertStillServingAsync()
    {
        var (status, recall) = await server.RecallAsync(new { text = server.Emoji[0].Caption });
        Assert.Equal(200, status);
        Assert.Equal(server.Emoji[0].Id, recall.GetProperty("item_id").GetString());
    }

    private static (int Width, int Height) Size(JsonElement base64)
    {
        PngImage png = PngDecoder.Decode(Convert.FromBase64String(base64.GetString()!), "image_png");
        return (png.Image.Width, png.Image.Height);
    }

    private static void AssertNeverRises(double[] energies)
    {
        for (int t = 1; t < energies.Length; t++)
        {
            Assert.True(energies[t] <= energies[t - 1] + 1e-6, $"energy rose at step {t}: {energies[t - 1]} → {energies[t]}");
        }
    }

    private static byte[] Wav(AudioClip clip)
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

    /// <summary>A body of zeros of a given length, written only if the server asks for it.</summary>
    private sealed class ZerosContent : HttpContent
    {
        private readonly long _length;

        public ZerosContent(long length, string mediaType)
        {
            _length = length;
            Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        public long Written { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[65536];
            while (Written < _length)
            {
                int n = (int)Math.Min(chunk.Length, _length - Written);
                await stream.WriteAsync(chunk.AsMemory(0, n));
                Written += n;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
