using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using Engram.Data.Audio;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Encoders;
using Engram.Engines;
using Engram.Evaluation;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Tensors;

namespace Engram.Explorer;

/// <summary>
/// The served memory and what the API does with it: cues built from requests, recalls, stored images and the
/// separability histograms. One lock keeps the memory's encoders and recall to one request at a time (a local
/// tool: simple beats parallel); another keeps uploaded images to one decode at a time, so that what parallel uploads
/// allocate does not add up; stored images and the histograms are cached, since the memory does not change.
/// </summary>
internal sealed class ExplorerSession
{
    public const int MaxSteps = 1000;
    public const int MaxTraceSteps = 100;
    public const int MaxRunnersUp = 50;

    // Decoded thumbnails are small (a few KB); keep up to this many.
    private const int MaxCachedImages = 5000;
    private const int SeparabilityBins = 40;

    private const int SeparabilityBatch = 256;

    private readonly Lock _gate = new();

    // Its own lock, not the recall's: a large upload takes a second or more to decode, and a caption-only recall need not wait for it.
    private readonly Lock _decodeGate = new();
    private readonly ConcurrentDictionary<int, byte[]> _storedPngs = new();
    private readonly Lazy<SeparabilityView> _separability;

    public ExplorerSession(MultimodalMemory memory, ExplorerOptions options)
    {
        Memory = memory;
        Options = options;
        _separability = new Lazy<SeparabilityView>(MeasureSeparability, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public MultimodalMemory Memory { get; }

    public ExplorerOptions Options { get; }

    public ImageShape? Shape => Memory.Encoders.Image?.Shape;

    public SeparabilityView Separability => _separability.Value;

    public MemoryView Describe() => new(
        Options.MemoryName,
        Memory.Count,
        Memory.Network.Layout.Slots.Select(s => new SlotView(s.Name, s.Length, s.Weight)).ToArray(),
        Memory.Encoders.Described.Select(e => new EncoderView(e.Slot, e.Kind)).ToArray(),
        Shape is { } shape ? new ImageShapeView(shape.Channels, shape.Height, shape.Width) : null,
        OptionsOf(Memory.Engine.Resolve(null)),
        Memory.Engine.Resolve(null).Hopfield?.CueMode is { } cueMode ? Names.Of(cueMode) : null,
        new LimitsView(Options.MaxRequestBytes, Options.MaxImagePixels, Options.SeparabilityItems, MaxSteps, MaxTraceSteps, MaxRunnersUp),
        Memory.Warnings.Take(20).ToArray(),
        Memory.Engine.Name,
        Memory.Engine is HarmonicEngine { Network: var network }
            ? new HarmonicView(
                network.Modalities.Select(m => new ModalityView(m.Name, m.Dimension, m.Lambda, m.Beta)).ToArray(),
                network.Couplings.Select(c => new CouplingView(c.First, c.Second, c.Rank, c.SpectralNorm())).ToArray(),
                network.CouplingRatio)
            : null);

    /// <summary>Dec(ξ) of item <paramref name="index"/>'s stored image, as PNG.</summary>
    public byte[] StoredPng(int index)
    {
        CheckItem(index);
        if (Shape is not { } shape)
        {
            throw ApiException.NotFound(NoSlot("image") + " It has no images to show.");
        }

        if (_storedPngs.TryGetValue(index, out byte[]? cached))
        {
            return cached;
        }

        float[] image;
        lock (_gate)
        {
            image = Memory.StoredImage(index)!;
        }

        byte[] png = PngViews.Encode(image, shape);
        if (_storedPngs.Count < MaxCachedImages)
        {
            _storedPngs.TryAdd(index, png);
        }

        return png;
    }

    public void CheckItem(int index)
    {
        if (index < 0 || index >= Memory.Count)
        {
            throw ApiException.NotFound($"No item {index}: this memory holds items 0 to {Memory.Count - 1}.");
        }
    }

    /// <summary>The index of the item a request names by id or by index: a 404 naming it when there is none.</summary>
    public int FindItem(ItemReference item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Index is int index)
        {
            CheckItem(index);
            return index;
        }

        for (int i = 0; i < Memory.Count; i++)
        {
            if (Memory.Items[i].Id == item.Id)
            {
                return i;
            }
        }

        throw ApiException.NotFound(
            $"No item has the id {item}: give the id of a stored item (GET /api/items lists them), or its index as a number, 0 to {Memory.Count - 1}.");
    }

    /// <summary>Builds the cue a request describes, recalls from it and answers with the recalled item, images and (when asked) the trace.</summary>
    public RecallView Recall(RecallRequest request, AudioClip? audio)
    {
        string? text = string.IsNullOrWhiteSpace(request.Text) ? null : request.Text;
        string? occlude = string.IsNullOrWhiteSpace(request.Occlude) || request.Occlude.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
            ? null
            : request.Occlude;
        double noise = request.Noise ?? 0;
        if (!(noise >= 0 && double.IsFinite(noise)))
        {
            throw ApiException.BadRequest(Invariant($"noise is the σ of Gaussian noise on pixels in [0, 1], so it must be ≥ 0; got {noise}."));
        }

        float[]? image = ImageCue(request, out int? itemIndex);
        if (image is null && (occlude is not null || noise > 0 || request.Mask is not null))
        {
            throw ApiException.BadRequest("occlude, noise and mask change an image cue: give image_png or item too.");
        }

        float[]? pixelMask = null;
        int? hidden = null;
        if (image is not null)
        {
            ImageShape shape = Shape!.Value;
            if (noise > 0)
            {
                image = Noise.Gaussian(image, noise, new Random(request.Seed ?? 1)).Content;
            }

            float[] visible = Visible(request.Mask, occlude, shape);
            hidden = visible.Count(v => v == 0);
            if (hidden > 0)
            {
                // The memory takes one mask value per sample: every channel of a pixel shares the pixel's.
                pixelMask = new float[image.Length];
                for (int i = 0; i < image.Length; i++)
                {
                    pixelMask[i] = visible[i / shape.Channels];
                    image[i] *= pixelMask[i];
                }
            }
        }

        RecallSettings? settings = Overrides(request);
        int runnersUp = request.RunnersUp ?? 5;
        if (runnersUp is < 1 or > MaxRunnersUp)
        {
            throw ApiException.BadRequest(Invariant($"runners_up must be from 1 to {MaxRunnersUp}; got {runnersUp}."));
        }

        MemoryRecall recall;
        lock (_gate)
        {
            recall = Memory.Recall(new MemoryCue(image, pixelMask, text, audio), settings, request.Trace, runnersUp);
        }

        string[] slots = new MemoryCue(image, null, text, audio).Modalities.Select(m => m.Name).ToArray();
        return new RecallView(
            recall.Index,
            recall.Id,
            recall.Caption,
            recall.TopWeight,
            recall.Steps,
            recall.Metastable,
            recall.RunnersUp.Select(WeightView.Of).ToArray(),
            recall.Energies,
            PngViews.Base64(recall.Image, Shape),
            PngViews.Base64(image, Shape),
            new CueView(slots, hidden, image is null ? null : noise, image is null ? null : occlude, itemIndex),
            new RecallOptionsView(
                recall.Settings.Hopfield?.Similarity is { } similarity ? Names.Of(similarity) : null,
                recall.Settings.Hopfield?.Beta,
                recall.Settings.Steps ?? recall.Steps,
                recall.Settings.Hopfield?.CueMode is { } cueMode ? Names.Of(cueMode) : null),
            recall.Trace?.Select(s => new StepView(s.Step, s.Energy, s.Top.Select(WeightView.Of).ToArray(), PngViews.Base64(s.Image, Shape))).ToArray(),
            recall.Clamped.Select(m => m.Name).ToArray(),
            recall.Completed.Select(CompletedView.Of).ToArray(),
            ConfidenceView.Of(recall.Confidence, Memory.Items));
    }

    private float[]? ImageCue(RecallRequest request, out int? itemIndex)
    {
        itemIndex = null;
        if (request.ImagePng is null && request.Item is null)
        {
            return null;
        }

        if (request.ImagePng is not null && request.Item is not null)
        {
            throw ApiException.BadRequest("Give either image_png or item as the image cue, not both.");
        }

        if (Memory.Encoders.Image is not { } codec)
        {
            throw ApiException.BadRequest(NoSlot("image"));
        }

        if (request.Item is { } reference)
        {
            int item = FindItem(reference);
            itemIndex = item;
            lock (_gate)
            {
                return Memory.StoredImage(item)!;
            }
        }

        string base64 = request.ImagePng!;
        int comma = base64.StartsWith("data:", StringComparison.Ordinal) ? base64.IndexOf(',', StringComparison.Ordinal) : -1;
        byte[] png;
        try
        {
            png = Convert.FromBase64String(base64[(comma + 1)..]);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("image_png is not base64: send the PNG file's bytes base64-encoded (a data: URL is accepted too).");
        }

        CheckPixels(png);

        // Shrunk while decoding, as stored items are (two rows and the small image, not the full-size one); one at a time,
        // so that parallel uploads take turns at the CPU rather than add up (an interlaced PNG is decoded whole first).
        lock (_decodeGate)
        {
            PngDecodeOptions decode = DatasetImages.CueDecodeOptions(codec.Shape.Width) with { MaxPixels = Options.MaxImagePixels };
            return ImageOps.Prepare(PngDecoder.Decode(png, "image_png", decode).Image, codec.Shape.Width, grey: codec.Shape.Channels == 1);
        }
    }

    // The decoder refuses an image over the cap itself; reading its size from the header first says so in the explorer's words
    // (when there is no header to read, the decoder says what is wrong).
    private void CheckPixels(ReadOnlySpan<byte> png)
    {
        // Signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), both big-endian.
        if (png.Length < 24 || !png[12..16].SequenceEqual("IHDR"u8))
        {
            return;
        }

        long width = BinaryPrimitives.ReadUInt32BigEndian(png[16..]), height = BinaryPrimitives.ReadUInt32BigEndian(png[20..]);
        if (width * height > Options.MaxImagePixels)
        {
            string size = Invariant($"image_png is {width}×{height} pixels ({width * height / 1e6:0.#} megapixels)");
            string cap = Invariant($"the explorer takes images of at most {Options.MaxImagePixels / 1e6:0.#} megapixels (such as 6000×4000)");
            throw ApiException.BadRequest(
                $"{size}; {cap}. Scale it down to about {Shape!.Value.Width * DatasetImages.DecodeSideFactor} pixels a side (it is shrunk to {Shape.Value.Width}×{Shape.Value.Height} anyway) and send it again.");
        }
    }

    // One value per pixel, 1 = visible: the occluded half and the brushed mask, combined.
    private static float[] Visible(float[]? mask, string? occlude, ImageShape shape)
    {
        int pixels = shape.Height * shape.Width;
        var visible = new float[pixels];
        visible.AsSpan().Fill(1f);
        if (mask is not null)
        {
            if (mask.Length != pixels)
            {
                throw ApiException.BadRequest(Invariant(
                    $"mask has {mask.Length} values; this memory's images are {shape.Width}×{shape.Height}, so it needs {pixels}, one per pixel (1 = visible, 0 = hidden), row by row."));
            }

            for (int p = 0; p < pixels; p++)
            {
                if (mask[p] is not (0f or 1f))
                {
                    throw ApiException.BadRequest(Invariant($"mask[{p}] is {mask[p]}; the mask takes 1 (visible) or 0 (hidden) for each pixel."));
                }

                visible[p] = mask[p];
            }
        }

        if (occlude is not null)
        {
            OcclusionRegion region;
            try
            {
                region = Occlusion.Parse(occlude);
            }
            catch (ArgumentException)
            {
                throw ApiException.BadRequest($"Unknown occlusion '{occlude}'; use none, bottom-half, top-half, left-half or right-half.");
            }

            float[] half = Occlusion.Mask(region, shape.Height, shape.Width);
            for (int p = 0; p < pixels; p++)
            {
                visible[p] *= half[p];
            }
        }

        return visible;
    }

    private RecallSettings? Overrides(RecallRequest request)
    {
        if (request.Beta is float beta && !(beta > 0 && float.IsFinite(beta)))
        {
            throw ApiException.BadRequest(Invariant($"beta (β, the inverse temperature) must be a number > 0; got {beta}."));
        }

        int steps = request.Steps ?? Memory.Options.MaxSteps;
        if (steps is < 1 or > MaxSteps)
        {
            throw ApiException.BadRequest(Invariant($"steps must be from 1 to {MaxSteps}; got {steps}."));
        }

        if (request.Trace && steps > MaxTraceSteps)
        {
            throw ApiException.BadRequest(Invariant(
                $"A traced recall recalls again for every step, so it takes at most {MaxTraceSteps} steps; this one would take {steps}. Ask for fewer steps, or leave trace off."));
        }

        var hopfield = new HopfieldSettings
        {
            Beta = request.Beta,
            Similarity = request.Similarity is null ? null : Names.ParseSimilarity(request.Similarity),
            CueMode = request.CueMode is null ? null : Names.ParseCueMode(request.CueMode),
        };
        return new RecallSettings { Steps = request.Steps, Hopfield = hopfield.Any ? hopfield : null };
    }

    private static OptionsView OptionsOf(RecallSettings settings) =>
        new(settings.Hopfield?.Similarity is { } similarity ? Names.Of(similarity) : null, settings.Hopfield?.Beta, settings.Steps ?? 1);

    private string NoSlot(string slot) =>
        $"This memory has no {slot} slot (it has {string.Join(", ", Memory.Network.Layout.Slots.Select(s => s.Name))}): cue it with one of those.";

    // The paper's Figure 3 for this memory: each stored code against the code of its own decoded image with the
    // bottom half hidden (i = j), and against every other stored code (i ≠ j).
    private SeparabilityView MeasureSeparability()
    {
        int total = Memory.Count, n = Math.Min(total, Options.SeparabilityItems);
        SlotLayout layout = Memory.Network.Layout;
        IImageCodec? codec = Memory.Encoders.Image;
        Slot slot = codec is not null && layout.Contains("image") ? layout["image"] : layout.Slots[0];
        SeparabilityReport report;
        string cue;
        lock (_gate)
        {
            Tensor stored = Memory.StoredCodes(slot.Name, 0, n);
            Tensor cues;
            if (slot.Name == "image")
            {
                cues = OccludedCodes(stored, codec!);
                cue = "the code of its own stored image, decoded, with the bottom half hidden";
            }
            else
            {
                cues = stored;
                cue = $"its own stored {slot.Name} code (this memory has no image slot to hide half of, so i = j is 1)";
            }

            report = SeparabilityReport.Measure(cues, stored, SeparabilityBins);
        }

        long pairs = (long)n * (n - 1);
        bool capped = n < total;
        return new SeparabilityView(
            slot.Name,
            cue,
            n,
            total,
            capped,
            capped ? Invariant($"Measured the first {n:N0} of {total:N0} items: every pair is binned (N² cosines), so the explorer stops at {Options.SeparabilityItems:N0}.") : null,
            report.BinEdges,
            report.Matched.Select(c => c / (double)n).ToArray(),
            report.Unmatched.Select(c => pairs == 0 ? 0 : c / (double)pairs).ToArray(),
            report.Overlap,
            report.MatchedMean,
            double.IsFinite(report.UnmatchedMean) ? report.UnmatchedMean : null,
            report.CosineAccuracy);
    }

    // In batches: a conv codec's activations for thousands of images at once would take gigabytes.
    private static Tensor OccludedCodes(Tensor stored, IImageCodec codec)
    {
        ImageShape shape = codec.Shape;
        float[] pixelMask = Occlusion.Mask(OcclusionRegion.BottomHalf, shape.Height, shape.Width)
            .SelectMany(m => Enumerable.Repeat(m, shape.Channels)).ToArray();
        var cues = new Tensor(stored.RowCount, codec.CodeLength);
        for (int start = 0; start < stored.RowCount; start += SeparabilityBatch)
        {
            int rows = Math.Min(SeparabilityBatch, stored.RowCount - start);
            Tensor images = Occlusion.Apply(codec.Decode(stored.Rows(start, rows)), pixelMask);
            codec.Encode(images).Span.CopyTo(cues.Span.Slice(start * codec.CodeLength, rows * codec.CodeLength));
        }

        return cues;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
