using System.Diagnostics;
using System.Text.Json;
using Engram.Data;
using Engram.Multimodal;
using Engram.Store;

namespace Engram.Cli.Tests;

/// <summary>The store's commands as a person runs them, and what survives a killed <c>engram add</c>.</summary>
public sealed class StoreCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-store-cli-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Should_import_add_forget_list_recall_and_export_a_store()
    {
        // Given a memory file of 30 emoji, imported into a store
        string memory = Path.Combine(_folder, "emoji.engram"), store = Path.Combine(_folder, "emoji.store"), back = Path.Combine(_folder, "back.engram");
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "30", "--out", memory);
        Assert.True(code == 0, error);
        (code, string imported, error) = CliRunner.Run("import", "--memory", memory, "--out", store);
        Assert.True(code == 0, error);
        Assert.Contains("Imported 30 items", imported, StringComparison.Ordinal);

        // When an item with the user's own PNG is added and another forgotten
        string png = Directory.EnumerateFiles(Path.Combine(ShippedData.Find("emoji")!, "images"), "*.png").Order(StringComparer.Ordinal).ElementAt(100);
        (code, string added, error) = CliRunner.Run("add", "--memory", store, "--image", png, "--caption", "my own picture of a thing", "--id", "mine");
        Assert.True(code == 0, error);
        Assert.Contains("it holds 31", added, StringComparison.Ordinal);
        string first = MultimodalMemory.Load(memory).Items[0].Id;
        (code, _, error) = CliRunner.Run("forget", "--memory", store, "--item", first);
        Assert.True(code == 0, error);

        // Then the list, a recall and the export all see the store as it is now, and the PNG is kept as given
        (code, string listed, error) = CliRunner.Run("list", "--memory", store, "--json", "-");
        Assert.True(code == 0, error);
        JsonElement list = JsonDocument.Parse(listed).RootElement;
        Assert.Equal(30, list.GetProperty("count").GetInt32());
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == first);
        (code, string recalled, error) = CliRunner.Run("recall", "--memory", store, "--text", "my own picture of a thing", "--json", "-");
        Assert.True(code == 0, error);
        Assert.Equal("mine", JsonDocument.Parse(recalled).RootElement.GetProperty("item_id").GetString());
        using (MemoryStore opened = MemoryStore.Open(store))
        {
            Assert.Equal(File.ReadAllBytes(png), opened.Media("mine", "image")!.Bytes);
        }

        (code, _, error) = CliRunner.Run("export", "--memory", store, "--out", back);
        Assert.True(code == 0, error);
        Assert.Equal(30, MultimodalMemory.Load(back).Count);

        // And mistakes are refused naming the item or the store, leaving it as it was
        (code, _, error) = CliRunner.Run("forget", "--memory", store, "--item", "no-such-item");
        Assert.Equal((1, true), (code, error.Contains("holds no item 'no-such-item'", StringComparison.Ordinal)));
        (code, _, error) = CliRunner.Run("add", "--memory", store, "--caption", "no picture", "--id", "bare");
        Assert.Equal((1, true), (code, error.Contains("stores an image for every item: give the new item's --image too", StringComparison.Ordinal)));
        (code, _, error) = CliRunner.Run("add", "--memory", store, "--image", png, "--caption", "again", "--id", "mine");
        Assert.Equal((1, true), (code, error.Contains("already holds an item 'mine'", StringComparison.Ordinal)));
        string broken = Path.Combine(_folder, "broken.png");
        File.WriteAllBytes(broken, File.ReadAllBytes(png)[..60]);
        (code, _, error) = CliRunner.Run("add", "--memory", store, "--image", broken, "--caption", "a cut picture", "--id", "broken");
        Assert.Equal((1, true, false), (code, error.Contains(broken, StringComparison.Ordinal), error.Contains("   at ", StringComparison.Ordinal)));
        using MemoryStore after = MemoryStore.Open(store);
        Assert.Equal(30, after.Count);
    }

    [Fact]
    public void Should_build_a_store_from_a_folder_keeping_each_png_and_wav_as_given_and_replace_it_only_with_force()
    {
        // Given a folder of 6 emoji PNGs, each with a caption in captions.csv and a WAV (a tone) beside it
        string photos = Directory.CreateDirectory(Path.Combine(_folder, "photos")).FullName;
        string[] pngs = Directory.EnumerateFiles(Path.Combine(ShippedData.Find("emoji")!, "images"), "*.png").Order(StringComparer.Ordinal).Take(6).ToArray();
        var lines = new List<string> { "file,caption" };
        for (int i = 0; i < pngs.Length; i++)
        {
            File.Copy(pngs[i], Path.Combine(photos, $"item{i}.png"));
            var samples = Enumerable.Range(0, 8000).Select(t => 0.3f * MathF.Sin(2 * MathF.PI * (220 + 110 * i) * t / 16000f)).ToArray();
            Engram.Data.Audio.WavFile.Write(Path.Combine(photos, $"item{i}.wav"), new Engram.Data.Audio.AudioClip(16000, 1, samples));
            lines.Add($"item{i}.png,thing number {i} of the folder");
        }

        File.WriteAllLines(Path.Combine(photos, "captions.csv"), lines);
        string store = Path.Combine(_folder, "photos.store");

        // When it is built as a store
        var (code, output, error) = CliRunner.Run("build", "--dataset", photos, "--image-codec", "raw", "--store", "--out", store);
        Assert.True(code == 0, error);
        Assert.Contains("Stored 6 items", output, StringComparison.Ordinal);

        // Then the store holds every item with its PNG and WAV byte for byte, and recalls by caption
        using (MemoryStore opened = MemoryStore.Open(store))
        {
            Assert.Equal(["image", "text", "audio"], opened.Encoders.Described.Select(e => e.Slot));
            Assert.Equal(File.ReadAllBytes(Path.Combine(photos, "item4.png")), opened.Media("item4", "image")!.Bytes);
            Assert.Equal(File.ReadAllBytes(Path.Combine(photos, "item4.wav")), opened.Media("item4", "audio")!.Bytes);
        }

        string found = Path.Combine(_folder, "found");
        (code, string recalled, error) = CliRunner.Run("recall", "--memory", store, "--text", "thing number 3 of the folder", "--originals", found, "--json", "-");
        Assert.True(code == 0, error);
        Assert.Equal("item3", JsonDocument.Parse(recalled).RootElement.GetProperty("item_id").GetString());

        // And the recall hands back the user's own photo and recording, byte for byte
        Assert.Equal(File.ReadAllBytes(Path.Combine(photos, "item3.png")), File.ReadAllBytes(Path.Combine(found, "item3.png")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(photos, "item3.wav")), File.ReadAllBytes(Path.Combine(found, "item3.wav")));
        (code, _, error) = CliRunner.Run("recall", "--memory", store, "--text", "thing number 3 of the folder", "--originals", found);
        Assert.Equal((1, true), (code, error.Contains("--force", StringComparison.Ordinal)));
        string file = Path.Combine(_folder, "photos.engram");
        (code, _, error) = CliRunner.Run("build", "--dataset", photos, "--image-codec", "raw", "--memory-file", "--out", file);
        Assert.True(code == 0, error);
        (code, _, error) = CliRunner.Run("recall", "--memory", file, "--text", "thing number 3 of the folder", "--originals", found);
        Assert.Equal((1, true), (code, error.Contains("keeps codes only", StringComparison.Ordinal)));

        // And building over the store is refused without --force (it may hold what was added since), and replaces it with
        // --force, here keeping only references to the originals
        (code, _, error) = CliRunner.Run("build", "--dataset", photos, "--image-codec", "raw", "--n", "2", "--store", "--out", store);
        Assert.Equal((1, true), (code, error.Contains("it is a living store", StringComparison.Ordinal)));
        (code, _, error) = CliRunner.Run("build", "--dataset", photos, "--image-codec", "raw", "--n", "2", "--store", "--media", "reference", "--force", "--out", store);
        Assert.True(code == 0, error);
        using (MemoryStore opened = MemoryStore.Open(store))
        {
            Assert.Equal(2, opened.Count);
            StoredMedia original = opened.Media("item1", "audio")!;
            Assert.Equal((null, Path.Combine(photos, "item1.wav")), (original.Bytes, original.Reference));
        }

        Assert.DoesNotContain(Directory.EnumerateFiles(_folder), f => f.Contains(".building-", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_update_an_item_with_replace_and_keep_a_datasets_originals_when_adding_it()
    {
        // Given a store of 10 emoji captions and images built with --store
        string store = Path.Combine(_folder, "emoji.store");
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "10", "--store", "--out", store);
        Assert.True(code == 0, error);
        string png = Directory.EnumerateFiles(Path.Combine(ShippedData.Find("emoji")!, "images"), "*.png").Order(StringComparer.Ordinal).ElementAt(200);
        string id;
        using (MemoryStore opened = MemoryStore.Open(store))
        {
            id = opened.List()[4].Id;
            Assert.NotNull(opened.Media(id, "image")!.Bytes);
        }

        // When item 4 is added again with --replace, a new picture and a new caption
        (code, string output, error) = CliRunner.Run("add", "--memory", store, "--image", png, "--id", id, "--caption", "a lighthouse at dusk", "--replace");

        // Then it is updated in place: the same count, the new original, and the new caption recalls it
        Assert.True(code == 0, error);
        Assert.Contains($"Updated {id} in", output, StringComparison.Ordinal);
        (code, string recalled, error) = CliRunner.Run("recall", "--memory", store, "--text", "a lighthouse at dusk", "--json", "-");
        Assert.True(code == 0, error);
        Assert.Equal(id, JsonDocument.Parse(recalled).RootElement.GetProperty("item_id").GetString());
        using MemoryStore after = MemoryStore.Open(store);
        Assert.Equal(10, after.Count);
        Assert.Equal(File.ReadAllBytes(png), after.Media(id, "image")!.Bytes);
    }

    [EspeakFact]
    public void Should_add_an_item_with_its_sound_to_a_store_that_stores_sounds_and_keep_the_wav_as_given()
    {
        // Given a caption-and-sound store, imported from a memory of 10 spoken emoji names
        string models = ShippedData.Find("models")!;
        string memory = Path.Combine(_folder, "spoken.engram"), store = Path.Combine(_folder, "spoken.store"), wav = Path.Combine(_folder, "mine.wav");
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "10", "--image-codec", "none", "--audio-encoder", Path.Combine(models, "emoji-speech.safetensors"), "--out", memory);
        Assert.True(code == 0, error);
        (code, _, error) = CliRunner.Run("import", "--memory", memory, "--out", store);
        Assert.True(code == 0, error);
        Engram.Data.Audio.WavFile.Write(wav, Engram.Data.Speech.SpeechSynthesizer.TryCreate()!.Speak("a purple elephant", "en-us"));

        // When an item with its own sound is added, and one without is tried
        (code, string added, error) = CliRunner.Run("add", "--memory", store, "--caption", "a purple elephant", "--audio", wav, "--id", "elephant");
        Assert.True(code == 0, error);
        Assert.Contains("it holds 11", added, StringComparison.Ordinal);
        (code, _, error) = CliRunner.Run("add", "--memory", store, "--caption", "silent", "--id", "silent");
        Assert.Equal((1, true), (code, error.Contains("stores a sound for every item: give the new item's --audio too", StringComparison.Ordinal)));

        // Then its sound recalls it, and the WAV is kept as given
        (code, string recalled, error) = CliRunner.Run("recall", "--memory", store, "--audio", wav, "--json", "-");
        Assert.True(code == 0, error);
        Assert.Equal("elephant", JsonDocument.Parse(recalled).RootElement.GetProperty("item_id").GetString());
        using MemoryStore opened = MemoryStore.Open(store);
        Assert.Equal(File.ReadAllBytes(wav), opened.Media("elephant", "audio")!.Bytes);
    }

    [Fact]
    public void Should_keep_every_acknowledged_item_and_no_partial_one_when_engram_add_is_killed_fifty_times()
    {
        // Given the engram command as a separate process, and a caption-only store per trial
        string cli = typeof(EngramApp).Assembly.Location;
        string models = ShippedData.Find("models")!;
        var random = new Random(20261202);
        int killedWhileAdding = 0, acknowledgedTotal = 0;
        for (int trial = 0; trial < 50; trial++)
        {
            string store = Path.Combine(_folder, $"crash-{trial}.store");
            MemoryStore.Create(store, MemoryEncoders.Open(null, Path.Combine(models, "emoji-text.safetensors"), null)).Dispose();

            // When `engram add --one-by-one` is killed with SIGKILL at a random moment
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { cli, "add", "--memory", store, "--dataset", "emoji", "--n", "200", "--one-by-one" })
            {
                start.ArgumentList.Add(arg);
            }

            using Process child = Process.Start(start)!;
            var acknowledged = new List<string>();
            child.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line && line.StartsWith("stored ", StringComparison.Ordinal))
                {
                    lock (acknowledged)
                    {
                        acknowledged.Add(line["stored ".Length..]);
                    }
                }
            };
            child.BeginOutputReadLine();

            // Forty kills land at a random point of the adding (after a random number of acknowledged items, plus up to
            // 20 ms: inside a transaction as often as between two); ten at a random time from the start (start-up included).
            if (trial < 40)
            {
                int after = random.Next(1, 150);
                var waited = Stopwatch.StartNew();
                while (Count(acknowledged) < after && !child.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60))
                {
                    Thread.Sleep(1);
                }

                Thread.Sleep(random.Next(0, 21));
            }
            else
            {
                Thread.Sleep(random.Next(50, 1500));
            }

            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            string[] acked;
            lock (acknowledged)
            {
                acked = [.. acknowledged];
            }

            // Then the store opens, is sound, holds every item whose add was acknowledged and only whole items, in order
            using MemoryStore opened = MemoryStore.Open(store);
            Assert.Equal("ok", opened.IntegrityCheck());
            string[] held = [.. opened.List().Select(i => i.Id)];
            Assert.True(held.Length >= acked.Length, $"trial {trial}: {acked.Length} acknowledged, {held.Length} held");
            Assert.Equal(acked, held[..acked.Length]);
            if (held.Length > 0)
            {
                Assert.Equal(held, opened.Snapshot().Items.Select(i => i.Id));
            }

            killedWhileAdding += held.Length is > 0 and < 200 ? 1 : 0;
            acknowledgedTotal += acked.Length;
        }

        // (Report: how many trials were killed in the middle of adding, not before the first or after the last item.)
        Console.WriteLine($"store crash trials: 50, killed while adding: {killedWhileAdding}, items acknowledged: {acknowledgedTotal}");
        Assert.True(killedWhileAdding >= 35, $"only {killedWhileAdding} of 50 kills landed while items were being added");
    }

    private static int Count(List<string> acknowledged)
    {
        lock (acknowledged)
        {
            return acknowledged.Count;
        }
    }
}
