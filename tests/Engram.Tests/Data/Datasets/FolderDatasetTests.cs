using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Tests.Support;

namespace Engram.Tests.Data.Datasets;

public sealed class FolderDatasetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-folder-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_take_captions_from_the_png_title_then_description()
    {
        // Given two PNGs with text chunks and one without
        Save("cat.png", Solid(0.2f), new Dictionary<string, string> { ["Title"] = "a black cat", ["Description"] = "sitting" });
        Save("dog.png", Solid(0.8f), new Dictionary<string, string> { ["Description"] = "a white dog" });
        Save("sub/plain.png", Solid(0.5f), null);

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then: items in path order, ids without extension, captions from the text chunks
        Assert.Equal(["cat", "dog", "sub/plain"], data.Select(i => i.Id));
        Assert.Equal(["a black cat", "sitting"], data[0].Captions);
        Assert.Equal(["a white dog"], data[1].Captions);
        Assert.Empty(data[2].Captions);
        Assert.Equal(0.8f, data[1].Image.Pixels[0], 0.002f);
        Assert.Equal("folder", data.Source);
    }

    [Fact]
    public void Should_prefer_captions_csv_with_quoting_and_several_rows_per_file()
    {
        // Given
        Save("a.png", Solid(0.1f), new Dictionary<string, string> { ["Title"] = "ignored" });
        Save("b.png", Solid(0.9f), null);
        File.WriteAllText(Path.Combine(_folder, "captions.csv"),
            "file,caption\na.png,\"red, round \"\"apple\"\"\"\nb.png,a banana\nb.png,yellow fruit\n");

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then
        Assert.Equal(["red, round \"apple\""], data[0].Captions);
        Assert.Equal(["a banana", "yellow fruit"], data[1].Captions);
    }

    [Fact]
    public void Should_report_a_malformed_captions_row_and_keep_the_others()
    {
        // Given a captions file with one good row and one of three fields
        Save("a.png", Solid(0.1f), null);
        File.WriteAllText(Path.Combine(_folder, "captions.csv"), "a.png,one\na.png,two,three\n");

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then the good row is used and the bad one reported by its number and fault
        Assert.Equal(["one"], data[0].Captions);
        DatasetProblem problem = Assert.Single(data.Problems);
        Assert.Equal(new DatasetProblem(DatasetProblemKind.BadCaptionRow, "row 2", "3 fields; each row is file,caption (quote captions that contain commas)"), problem);
    }

    [Fact]
    public void Should_say_when_the_folder_is_missing_or_holds_no_png()
    {
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => FolderDataset.Load(Path.Combine(_folder, "nope"))).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "hi");
        Assert.Contains("holds no images", Assert.Throws<ArgumentException>(() => FolderDataset.Load(_folder)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_leave_out_and_name_the_png_whose_header_does_not_read()
    {
        // Given a good PNG and one cut after its signature
        Save("good.png", Solid(0.4f), new Dictionary<string, string> { ["Title"] = "good" });
        File.WriteAllBytes(Path.Combine(_folder, "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then the good one is the only item, and the broken one is a problem naming it and what is wrong
        Assert.Equal(["good"], data.Select(i => i.Id));
        DatasetProblem problem = Assert.Single(data.Problems);
        Assert.Equal((DatasetProblemKind.Undecodable, "broken.png"), (problem.Kind, problem.Subject));
        Assert.Contains("not an image Engram reads", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_leave_out_and_name_images_that_do_not_decode_when_decoding_each()
    {
        // Given three good PNGs and one whose pixels are cut
        for (int i = 0; i < 3; i++)
        {
            Save($"good-{i}.png", Noise(i), null);
        }

        File.WriteAllBytes(Path.Combine(_folder, "good-1-cut.png"), CutImageData(PngEncoder.Encode(Noise(9))));
        IDataset data = FolderDataset.Load(_folder);

        // When each is decoded
        PreparedImages prepared = DatasetImages.LoadEach(data, 8, grey: true, root: _folder);

        // Then the three good ones in order, and the cut one named with the decoder's words
        Assert.Equal(["good-0", "good-1", "good-2"], prepared.Decoded.Select(i => data[i].Id));
        Assert.Equal([3, 64], prepared.Rows.Shape.ToArray());
        DatasetProblem problem = Assert.Single(prepared.Failed);
        Assert.Equal((DatasetProblemKind.Undecodable, "good-1-cut.png"), (problem.Kind, problem.Subject));
        Assert.Contains("the image data is short", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(DatasetImages.Load([data[0], data[2], data[3]], 8, grey: true).Span.ToArray(), prepared.Rows.Span.ToArray());
    }

    [Fact]
    public void Should_encode_each_batch_as_it_is_decoded_keeping_the_codes_of_the_images_that_decode_in_order()
    {
        // Given more images than one encoding batch, one of them cut in the second batch
        int count = DatasetImages.EncodeBatch + 40;
        for (int i = 0; i < count; i++)
        {
            Save($"img-{i:D4}.png", Noise(i), null);
        }

        string cut = $"img-{DatasetImages.EncodeBatch + 7:D4}.png";
        File.WriteAllBytes(Path.Combine(_folder, cut), CutImageData(PngEncoder.Encode(Noise(999))));
        IDataset data = FolderDataset.Load(_folder);
        var codec = new Engram.Encoders.Images.IdentityCodec(new Engram.Encoders.ImageShape(1, 8, 8));
        var heard = new List<int>();

        // When they are decoded and encoded a batch at a time
        EncodedDatasetImages encoded = DatasetImages.EncodeEach(data, codec, new SynchronousProgress(heard.Add), _folder);

        // Then the codes are those of decoding every image at once, less the cut one, which is named
        PreparedImages whole = DatasetImages.LoadEach(data, 8, grey: true, root: _folder);
        Assert.Equal(whole.Decoded, encoded.Decoded);
        Assert.Equal(count - 1, encoded.Images.Count);
        Assert.Same(codec, encoded.Images.EncodedBy);
        Assert.Equal(codec.Encode(whole.Rows).Span.ToArray(), encoded.Images.Codes!.Span.ToArray());
        Assert.Equal((DatasetProblemKind.Undecodable, cut), (Assert.Single(encoded.Failed).Kind, encoded.Failed[0].Subject));

        // And the progress counts the whole folder up to its end, and the pixels are not kept
        Assert.Equal(count, heard[^1]);
        Assert.True(heard.SequenceEqual(heard.Order()), string.Join(", ", heard));
        Assert.Throws<InvalidOperationException>(() => encoded.Images.Read(0, 1));
    }

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    [Fact]
    public void Should_name_the_png_whose_image_data_is_cut_when_the_images_are_decoded_in_parallel()
    {
        // Given a folder of good PNGs and one whose chunks are whole but whose compressed pixels stop halfway
        for (int i = 0; i < 40; i++)
        {
            Save($"good-{i:D2}.png", Noise(i), null);
        }

        File.WriteAllBytes(Path.Combine(_folder, "good-20-cut.png"), CutImageData(PngEncoder.Encode(Noise(99))));
        IDataset data = FolderDataset.Load(_folder);

        // When the images are decoded
        var e = Assert.Throws<DataFormatException>(() => DatasetImages.Load(data, 8, grey: true));

        // Then the cut file's own failure, not a wrapper of it
        Assert.Contains("good-20-cut.png", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// <paramref name="png"/> (one IDAT chunk right after IHDR, as <see cref="PngEncoder"/> writes) with its IDAT holding only
    /// the first half of the compressed pixels, its CRC made right: the chunks read, the image does not decode.
    /// </summary>
    private static byte[] CutImageData(byte[] png)
    {
        const int idat = 8 + 25;
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, idat + 4, 4));
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        byte[] half = png.AsSpan(idat + 8, length / 2).ToArray();
        return [.. png.AsSpan(0, idat), .. Engram.Tests.Data.Png.PngDecoderTests.Chunk("IDAT", half), .. Engram.Tests.Data.Png.PngDecoderTests.Chunk("IEND", [])];
    }

    private static Image Noise(int seed)
    {
        var random = new Random(seed);
        return new Image(16, 16, PixelLayout.Grey, Enumerable.Range(0, 256).Select(_ => random.NextSingle()).ToArray());
    }

    private static Image Solid(float grey) => new(4, 3, PixelLayout.Grey, Enumerable.Repeat(grey, 12).ToArray());

    private void Save(string relative, Image image, IReadOnlyDictionary<string, string>? text)
    {
        string path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        PngEncoder.Save(path, image, text);
    }
}

[Collection(Engram.Tests.Support.AllocationMeasuringTests.Name)]
public sealed class FolderDatasetImageSizeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-folder-size-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(2400, 2400)]
    [InlineData(2400, 1600)]
    public void Should_prepare_a_large_photograph_from_a_small_decode_that_matches_the_full_one(int width, int height)
    {
        // Given a folder with one large RGB image of smooth gradients (44 to 66 MiB as floats at full size)
        var big = new Image(width, height, PixelLayout.Rgb);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                big[x, y, 0] = x / (width - 1f);
                big[x, y, 1] = y / (height - 1f);
                big[x, y, 2] = (float)(0.5 + (0.5 * Math.Sin((x + y) / 150.0)));
            }
        }

        PngEncoder.Save(Path.Combine(_folder, "photo.png"), big);
        IDataset data = FolderDataset.Load(_folder);

        // When its images are prepared for a 32×32 encoder
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Tensor prepared = DatasetImages.Load(data, 32, grey: false);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Then the decode was at 256 pixels a side, far under the full image. A square image comes out within an
        // 8-bit step of preparing the full decode. A 3:2 one decodes to 256×171 (170.67 rounded) and is padded by
        // 42 + 43 rows instead of 42.67 + 42.67: the picture moves by up to 0.1 of an output row, which on the
        // steepest gradient here (the sine, 0.25 a row) is 0.025, and more where it meets the white padding
        float[] expected = ImageOps.Prepare(PngDecoder.Decode(Path.Combine(_folder, "photo.png")).Image, 32, grey: false);
        int[] edges = width == height ? [] : [5, 26];
        float worst = 0f, worstAtEdges = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float difference = Math.Abs(expected[i] - prepared.Span[i]);
            if (edges.Contains(i / (32 * 3)))
            {
                worstAtEdges = Math.Max(worstAtEdges, difference);
            }
            else
            {
                worst = Math.Max(worst, difference);
            }
        }

        Assert.True(worst < (width == height ? 1f / 255 : 0.025f), $"largest difference {worst} ({worstAtEdges} at the padding's edges)");
        Assert.True(worstAtEdges < 0.1f, $"largest difference at the padding's edges {worstAtEdges}");
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Should_prepare_the_shipped_64_pixel_emoji_exactly_as_from_their_full_decode()
    {
        // Given a folder of shipped emoji (64×64 each)
        string images = Path.Combine(ShippedEmoji(), "images");
        foreach (string file in Directory.GetFiles(images, "*.png").Order(StringComparer.Ordinal).Take(24))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }

        IDataset data = FolderDataset.Load(_folder);

        // When they are prepared at 16 (decoded at most 64 a side: whole) and 32
        foreach (int size in new[] { 16, 32 })
        {
            Tensor prepared = DatasetImages.Load(data, size, grey: false);

            // Then every sample is what preparing the full decode gives
            float[] expected = data.SelectMany(item => ImageOps.Prepare(item.Image, size, grey: false)).ToArray();
            Assert.Equal(expected, prepared.Span.ToArray());
        }
    }

    private static string ShippedEmoji() =>
        ShippedData.Find("emoji") ?? throw new DirectoryNotFoundException("data/emoji (the shipped emoji) was not found above the test binaries.");
}

public sealed class FolderDatasetFormatsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-folder-formats-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_read_a_nested_folder_of_every_format_with_captions_from_every_source()
    {
        // Given a folder as a user keeps one (GIF, BMP, WebP, JPEG, PNG, TIFF; captions.csv, .txt, XMP, PNG Title, EXIF)
        MixedFolder.Create(_folder);

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then every image is an item, in path order, with the caption of its source, and nothing is wrong
        Assert.Equal(MixedFolder.Items.Select(i => i.Id), data.Select(i => i.Id));
        Assert.Equal(MixedFolder.Items.Select(i => i.Caption), data.Select(i => i.Caption));
        Assert.Equal(["a green leaf", "foliage"], data.Single(i => i.Id == "nested/deep/leaf").Captions);
        Assert.Empty(data.Problems);

        // And the WAV beside the WebP is its sound, the sideways JPEG comes out turned, and each decodes at its own size
        Assert.Equal(["nested/deep/leaf"], data.Where(i => i.HasAudio).Select(i => i.Id));
        Assert.Equal((40, 60), (data.Single(i => i.Id == "photos/sunset").Image.Width, data.Single(i => i.Id == "photos/sunset").Image.Height));
        Assert.Equal((20, 30), (data.Single(i => i.Id == "bitmap").Image.Width, data.Single(i => i.Id == "bitmap").Image.Height));
        Assert.Equal(15, data.Single(i => i.Id == "scan").ImageAtMost(15).Width);
    }

    [Fact]
    public void Should_take_a_sound_of_any_format_with_the_image_stem_in_the_preference_order()
    {
        // Given the mixed folder with a sound beside every image: MP3 and OGG (some named in upper case), leaf's WAV with an
        // OGG beside it, sunset's MP3 with an OGG beside it
        MixedFolder.Create(_folder, sounds: true);

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then every item has its sound, the first of AudioFiles.Extensions where two share the stem, and nothing is wrong
        Assert.Empty(data.Problems);
        Assert.Equal(MixedFolder.Sounds, data.Select(i => (i.Id, Path.GetRelativePath(_folder, i.AudioFile!).Replace('\\', '/'))));

        // And each decodes, whatever its format: the one-second tones at their rates, the short ones a quarter of that
        foreach (DatasetItem item in data)
        {
            AudioClip clip = item.Audio!;
            Assert.True(clip.FrameCount > 0 && clip.Samples.All(float.IsFinite), item.Id);
        }

        Assert.Equal(22050, data.Single(i => i.Id == "photos/harbour").Audio!.SampleRate);
        Assert.Equal(1, data.Single(i => i.Id == "photos/harbour").Audio!.Channels);
    }

    [FfmpegFact]
    public void Should_take_a_flac_beside_an_image_through_ffmpeg_and_prefer_an_mp3_beside_it()
    {
        // Given the mixed folder with a FLAC beside the GIF, and a FLAC and an MP3 beside the BMP
        MixedFolder.Create(_folder);
        File.Copy(Path.Combine(MixedFolder.SoundFixtures, "tone.flac"), Path.Combine(_folder, "anim.flac"));
        File.Copy(Path.Combine(MixedFolder.SoundFixtures, "tone.flac"), Path.Combine(_folder, "bitmap.FLAC"));
        File.Copy(Path.Combine(MixedFolder.SoundFixtures, "short.mp3"), Path.Combine(_folder, "bitmap.mp3"));

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then the GIF's sound is the FLAC, decoded through ffmpeg (a quarter second at 44.1 kHz, stereo), and the BMP's the MP3
        DatasetItem anim = data.Single(i => i.Id == "anim");
        Assert.Equal(Path.Combine(_folder, "anim.flac"), anim.AudioFile);
        Assert.Equal((44100, 2, 11025), (anim.Audio!.SampleRate, anim.Audio.Channels, anim.Audio.FrameCount));
        Assert.Equal(Path.Combine(_folder, "bitmap.mp3"), data.Single(i => i.Id == "bitmap").AudioFile);
    }

    [Fact]
    public void Should_leave_an_image_without_a_sound_when_only_a_sound_of_another_stem_is_there()
    {
        // Given one image with an MP3 beside it and another with none (only a sound whose stem differs in case)
        MixedFolder.Create(_folder);
        File.Copy(Path.Combine(MixedFolder.SoundFixtures, "short.mp3"), Path.Combine(_folder, "anim.mp3"));
        File.Copy(Path.Combine(MixedFolder.SoundFixtures, "short.ogg"), Path.Combine(_folder, "Bitmap.ogg"));

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then the GIF has the MP3, and the BMP has no sound (the commands report it: see FolderBuildTests)
        Assert.Equal(["anim", "nested/deep/leaf"], data.Where(i => i.HasAudio).Select(i => i.Id));
        Assert.Equal(Path.Combine(_folder, "anim.mp3"), data.Single(i => i.Id == "anim").AudioFile);
    }

    [Fact]
    public void Should_list_what_is_wrong_with_a_troubled_folder_and_keep_the_rest()
    {
        // Given the same folder with a text file named .png, a cut JPEG, an uncaptioned BMP and a row for a missing file
        MixedFolder.Create(_folder, troubled: true);

        // When it is read, and its images decoded
        IDataset data = FolderDataset.Load(_folder);
        PreparedImages prepared = DatasetImages.LoadEach(data, 8, grey: false, root: _folder);

        // Then the file that is not an image and the row without a file are reported on reading, the cut JPEG on decoding
        Assert.Equal(
            [(DatasetProblemKind.Undecodable, "notes.png"), (DatasetProblemKind.UnmatchedCaptionRow, "row 5 'missing.png'")],
            data.Problems.Select(p => (p.Kind, p.Subject)));
        DatasetProblem cut = Assert.Single(prepared.Failed);
        Assert.Equal((DatasetProblemKind.Undecodable, "photos/cut.jpg"), (cut.Kind, cut.Subject));
        Assert.Contains("JPEG", cut.Detail, StringComparison.Ordinal);
        Assert.Equal(data.Count - 1, prepared.Decoded.Count);
        Assert.Empty(data.Single(i => i.Id == "untitled").Captions);
    }

    [Fact]
    public void Should_keep_the_extension_in_the_ids_of_files_that_share_a_stem()
    {
        using SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgba32> picture = Engram.Tests.Data.Images.ImageFixtures.Quadrants(8, 8);
        File.WriteAllBytes(Path.Combine(_folder, "cat.jpg"), Engram.Tests.Data.Images.ImageFixtures.Encode(picture, ImageFileFormat.Jpeg, description: "a cat"));
        File.WriteAllBytes(Path.Combine(_folder, "cat.png"), Engram.Tests.Data.Images.ImageFixtures.Encode(picture, ImageFileFormat.Png, pngTitle: "a cat too"));
        Assert.Equal(["cat.jpg", "cat.png"], FolderDataset.Load(_folder).Select(i => i.Id));
    }
}
