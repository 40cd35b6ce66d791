using System.Collections.Concurrent;
using System.Globalization;
using Engram.Data.Audio;
using Engram.Data.Cues;
using Engram.Data.Images;
using Engram.Encoders;
using Engram.Engines;
using Engram.Evaluation;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Tensors;
using Microsoft.AspNetCore.Http;

namespace Engram.Explorer;

/// <summary>
/// One state of the served memory and what the API reads from it: a request takes the session's current snapshot once,
/// at its start, and answers from it alone, so a write that lands meanwhile is seen whole by the next request or not at
/// all. The stored images and the separability histograms are cached here, with the state they were made from: a new
/// state after an add or a forget starts with empty caches, so an index never serves another item's image.
/// </summary>
/// <remarks><see cref="Memory"/> is null when the state holds no items (a store nothing has been added to yet).</remarks>
internal sealed class ServedSnapshot
{
    // Decoded thumbnails are small (a few KB); keep up to this many.
    private const int MaxCachedImages = 5000;
    private const int SeparabilityBins = 40;
    private const int SeparabilityBatch = 256;

    private readonly ExplorerSession _session;
    private readonly ConcurrentDictionary<int, byte[]> _storedPngs = new();
    private readonly Lazy<SeparabilityView> _separability;
    private readonly Lazy<Dictionary<string, int>> _indexById;

    public ServedSnapshot(ExplorerSession session, MultimodalMemory? memory, long version)
    {
        _session = session;
        Memory = memory;
        Version = version;
        _separability = new Lazy<SeparabilityView>(MeasureSeparability, LazyThreadSafetyMode.ExecutionAndPublication);
        _indexById = new Lazy<Dictionary<string, int>>(
            () => Items.Select((item, index) => (item.Id, index)).ToDictionary(p => p.Id, p => p.index, StringComparer.Ordinal),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The memory of this state, or null when it holds no items.</summary>
    public MultimodalMemory? Memory { get; }

    /// <summary>Which state this is: 1 when the explorer started, one more after each add or forget through it.</summary>
    public long Version { get; }

    public int Count => Memory?.Count ?? 0;

    public IReadOnlyList<MemoryItem> Items => Memory?.Items ?? [];

    private ExplorerOptions Options => _session.Options;

    private ImageShape? Shape => _session.Shape;

    public SeparabilityView Separability => _separability.Value;

    public MemoryView Describe()
    {
        LimitsView limits = new(Options.MaxRequestBytes, Options.MaxImagePixels, Options.SeparabilityItems, ExplorerSession.MaxSteps, ExplorerSession.MaxTraceSteps, ExplorerSession.MaxRunnersUp);
        ImageShapeView? shape = Shape is { } s ? new ImageShapeView(s.Channels, s.Height, s.Width) : null;
        EncoderView[] encoders = _session.Encoders.Described.Select(e => new EncoderView(e.Slot, e.Kind)).ToArray();
        if (Memory is not { } memory)
        {
            // No items, so no network to describe: the slots and options the store will recall with once it has some.
            return new MemoryView(
                Options.MemoryName, 0, _session.EmptySlots, encoders, shape, _session.EmptyOptions, null, limits, [], _session.EngineName, null, _session.IsWritable, Version);
        }

        RecallSettings defaults = memory.Engine.Resolve(null);
        return new(
            Options.MemoryName,
            memory.Count,
            memory.Network.Layout.Slots.Select(s => new SlotView(s.Name, s.Length, s.Weight)).ToArray(),
            encoders,
            shape,
            OptionsOf(defaults),
            defaults.Hopfield?.CueMode is { } cueMode ? Names.Of(cueMode) : null,
            limits,
            memory.Warnings.Take(20).ToArray(),
            memory.Engine.Name,
            memory.Engine is HarmonicEngine { Network: var network }
                ? new HarmonicView(
                    network.Modalities.Select(m => new ModalityView(m.Name, m.Dimension, m.Lambda, m.Beta)).ToArray(),
                    network.Couplings.Select(c => new CouplingView(c.First, c.Second, c.Rank, c.SpectralNorm())).ToArray(),
                    network.CouplingRatio)
                : null,
            _session.IsWritable,
            Version);
    }

    /// <summary>The index of the item with id <paramref name="id"/> in this state, or null when it holds none.</summary>
    public int? IndexOf(string id) => _indexById.Value.TryGetValue(id, out int index) ? index : null;

    // The longest side an original is shown at, where the codec has no decoder.
    private const int OriginalSide = 256;

    /// <summary>
    /// Dec(ξ) of item <paramref name="index"/>'s stored image, as PNG; for a codec without a decoder, the original image the
    /// store kept (at most <see cref="OriginalSide"/> a side), or a 404 saying why there is none.
    /// </summary>
    public byte[] StoredPng(int index)
    {
        CheckItem(index);
        if (Shape is not { } shape)
        {
            throw ApiException.NotFound(_session.NoSlot("image") + " It has no images to show.");
        }

        if (_storedPngs.TryGetValue(index, out byte[]? cached))
        {
            return cached;
        }

        byte[] png;
        if (_session.Encoders.Image is { Decodes: false })
        {
            // No decoder (resnet18): the store's original stands in for Dec(ξ).
            string id = Memory!.Items[index].Id;
            png = _session.OriginalPng(id, OriginalSide) ?? throw ApiException.NotFound(_session.NoDecodedImage(id));
        }
        else
        {
            float[] image;
            lock (_session.RecallGate)
            {
                image = Memory!.StoredImage(index)!;
            }

            png = PngViews.Encode(image, shape);
        }

        if (_storedPngs.Count < MaxCachedImages)
        {
            _storedPngs.TryAdd(index, png);
        }

        return png;
    }

    public void CheckItem(int index)
    {
        if (Count == 0)
        {
            throw ApiException.NotFound(Invariant($"No item {index}: {NoItemsYet}"));
        }

        if (index < 0 || index >= Count)
        {
            throw ApiException.NotFound(Invariant($"No item {index}: this memory holds items 0 to {Count - 1}."));
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

        if (IndexOf(item.Id ?? "") is int found)
        {
            return found;
        }

        throw ApiException.NotFound(Count == 0
            ? $"No item has the id {item}: {NoItemsYet}"
            : $"No item has the id {item}: give the id of a stored item (GET /api/items lists them), or its index as a number, 0 to {Count - 1}.");
    }

    /// <summary>Builds the cue a request describes, recalls from it and answers with the recalled item, images and (when asked) the trace.</summary>
    public RecallView Recall(RecallRequest request, AudioClip? audio)
    {
        MultimodalMemory memory = Memory ?? throw new ApiException(
            StatusCodes.Status409Conflict,
            "This store holds no items yet, so there is nothing to recall: add one first (the page's \"Add an item\" form, POST /api/items, or engram add), then recall.");
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

        RecallSettings? settings = Overrides(request, memory);
        int runnersUp = request.RunnersUp ?? 5;
        if (runnersUp is < 1 or > ExplorerSession.MaxRunnersUp)
        {
            throw ApiException.BadRequest(Invariant($"runners_up must be from 1 to {ExplorerSession.MaxRunnersUp}; got {runnersUp}."));
        }

        MemoryRecall recall;
        lock (_session.RecallGate)
        {
            recall = memory.Recall(new MemoryCue(image, pixelMask, text, audio), settings, request.Trace, runnersUp);
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
            PngViews.Base64(recall.Image, Shape) ?? RecalledOriginal(recall.Id),
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
            ConfidenceView.Of(recall.Confidence, memory.Items));
    }

    private static string NoItemsYet => "this store holds no items yet (add one with POST /api/items or the page's \"Add an item\" form).";

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

        if (_session.Encoders.Image is null)
        {
            throw ApiException.BadRequest(_session.NoSlot("image"));
        }

        if (request.Item is { } reference)
        {
            int item = FindItem(reference);
            itemIndex = item;
            if (_session.Encoders.Image is { Decodes: false })
            {
                // No decoder: the item's original, prepared as an upload is, is its image cue.
                string id = Memory!.Items[item].Id;
                byte[] original = _session.OriginalImage(id) ?? throw ApiException.BadRequest(_session.NoDecodedImage(id) + " Cue with an image file (image_png) instead.");
                return _session.PrepareImage(original, $"the original image of {id}");
            }

            lock (_session.RecallGate)
            {
                return Memory!.StoredImage(item)!;
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
            throw ApiException.BadRequest("image_png is not base64: send the image file's bytes (JPEG, PNG, GIF, BMP, TIFF, WebP or TGA) base64-encoded (a data: URL is accepted too).");
        }

        return _session.PrepareImage(png, "image_png");
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

    private static RecallSettings? Overrides(RecallRequest request, MultimodalMemory memory)
    {
        if (request.Beta is float beta && !(beta > 0 && float.IsFinite(beta)))
        {
            throw ApiException.BadRequest(Invariant($"beta (β, the inverse temperature) must be a number > 0; got {beta}."));
        }

        int steps = request.Steps ?? memory.Options.MaxSteps;
        if (steps is < 1 or > ExplorerSession.MaxSteps)
        {
            throw ApiException.BadRequest(Invariant($"steps must be from 1 to {ExplorerSession.MaxSteps}; got {steps}."));
        }

        if (request.Trace && steps > ExplorerSession.MaxTraceSteps)
        {
            throw ApiException.BadRequest(Invariant(
                $"A traced recall recalls again for every step, so it takes at most {ExplorerSession.MaxTraceSteps} steps; this one would take {steps}. Ask for fewer steps, or leave trace off."));
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

    // Where the codec has no decoder, the recalled item's original (as a store keeps it) is the recalled image; else none.
    private string? RecalledOriginal(string id) =>
        _session.Encoders.Image is { Decodes: false } && _session.OriginalPng(id, OriginalSide) is { } png ? Convert.ToBase64String(png) : null;

    // The paper's Figure 3 for this memory: each stored code against the code of its own decoded image with the
    // bottom half hidden (i = j), and against every other stored code (i ≠ j).
    private SeparabilityView MeasureSeparability()
    {
        MultimodalMemory memory = Memory ?? throw new ApiException(
            StatusCodes.Status409Conflict,
            "This store holds no items yet, so there are no stored codes to compare: add some first (the page's \"Add an item\" form, POST /api/items, or engram add).");
        int total = memory.Count, n = Math.Min(total, Options.SeparabilityItems);
        SlotLayout layout = memory.Network.Layout;
        IImageCodec? codec = memory.Encoders.Image;
        Slot slot = codec is not null && layout.Contains("image") ? layout["image"] : layout.Slots[0];
        SeparabilityReport report;
        string cue;
        lock (_session.RecallGate)
        {
            Tensor stored = memory.StoredCodes(slot.Name, 0, n);
            Tensor cues;
            if (slot.Name == "image" && codec!.Decodes)
            {
                cues = OccludedCodes(stored, codec);
                cue = "the code of its own stored image, decoded, with the bottom half hidden";
            }
            else if (slot.Name == "image")
            {
                cues = stored;
                cue = $"its own stored image code ({codec!.Name} has no decoder, so a stored code cannot be turned back into an image to hide half of; i = j is 1, and i ≠ j shows how far apart the stored images lie)";
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
