using Engram.Data.Images;
using Engram.Encoders;

namespace Engram.Data.Datasets;

/// <summary>A dataset's images as one tensor of rows, prepared for an encoder.</summary>
public static class DatasetImages
{
    /// <summary>
    /// How large an item's image is decoded for a size×size encoder: a longer side of 8 × size. Prepare's area
    /// resize then shrinks it by 8 or more, so the two averagings differ from one of the full-size image by
    /// float rounding and edge weights only; an image already that small is decoded whole and is unchanged.
    /// </summary>
    public const int DecodeSideFactor = 8;

    /// <summary>
    /// How a cue's image (a file or an upload, any format <see cref="ImageFiles"/> reads) is decoded for a size×size encoder: shrunk as the
    /// stored items' images are (<see cref="DecodeSideFactor"/>), so a large photograph as a cue costs the memory
    /// of a small image and prepares to the same pixels as the same file stored.
    /// </summary>
    public static ImageDecodeOptions CueDecodeOptions(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new ImageDecodeOptions { MaxSide = DecodeSideFactor * size };
    }

    /// <summary>
    /// How many images are decoded at once: one per core, at most 4. Each decode of a large photograph holds its file, a
    /// frame and the prepared copies, so a bound on the workers is a bound on the memory (the thread pool alone would add
    /// workers while they wait, and ten 9-megapixel images decoded together reached gigabytes).
    /// </summary>
    public static int Workers => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>
    /// Every item's image through <see cref="ImageOps.Prepare"/> (size×size, grey or RGB) as rows
    /// [N, size·size·channels], in the dataset's order, decoded in parallel by at most <see cref="Workers"/> at a time.
    /// Images are asked for at <see cref="DecodeSideFactor"/> × size at most (<see cref="DatasetItem.ImageAtMost"/>), so a
    /// folder of large photographs costs the memory of small images. An image that does not decode fails as it would alone:
    /// its own exception (a <see cref="DataFormatException"/> naming the file), the first such item's when several fail.
    /// <see cref="LoadEach"/> leaves such items out instead.
    /// </summary>
    public static Tensor Load(IReadOnlyList<DatasetItem> items, int size, bool grey, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int length = size * size * (grey ? 1 : 3);
        var data = new float[items.Count * length];
        int done = 0;
        ParallelItems.For(items.Count, i =>
        {
            Prepare(items[i], size, grey).CopyTo(data.AsSpan(i * length, length));
            Report(ref done, items.Count, progress);
        }, Workers);
        return Tensor.FromArray(data, items.Count, length);
    }

    /// <summary>
    /// As <see cref="Load"/>, except that an image that does not decode (a <see cref="DataFormatException"/>, or a file
    /// that went missing) leaves its item out: the rows are those of the items that decoded, in order, their indices in
    /// <see cref="PreparedImages.Decoded"/>, and each failure is a <see cref="DatasetProblemKind.Undecodable"/> problem
    /// naming the file (relative to <paramref name="root"/> when given) and what was wrong.
    /// </summary>
    public static PreparedImages LoadEach(IReadOnlyList<DatasetItem> items, int size, bool grey, IProgress<int>? progress = null, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int length = size * size * (grey ? 1 : 3);
        var data = new float[items.Count * length];
        var failures = new DatasetProblem?[items.Count];
        int done = 0;
        ParallelItems.For(items.Count, i =>
        {
            try
            {
                Prepare(items[i], size, grey).CopyTo(data.AsSpan(i * length, length));
            }
            catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
            {
                string file = items[i].ImageFile ?? items[i].Id;
                string subject = root is null ? file : Path.GetRelativePath(root, file).Replace('\\', '/');
                failures[i] = new DatasetProblem(DatasetProblemKind.Undecodable, subject, e is DataFormatException d && d.FilePath.Length > 0 ? d.Problem : e.Message);
            }

            Report(ref done, items.Count, progress);
        }, Workers);

        int[] decoded = Enumerable.Range(0, items.Count).Where(i => failures[i] is null).ToArray();
        float[] rows = decoded.Length == items.Count ? data : new float[decoded.Length * length];
        if (!ReferenceEquals(rows, data))
        {
            for (int k = 0; k < decoded.Length; k++)
            {
                data.AsSpan(decoded[k] * length, length).CopyTo(rows.AsSpan(k * length, length));
            }
        }

        return new PreparedImages(Tensor.FromArray(rows, decoded.Length, length), decoded, failures.OfType<DatasetProblem>().ToArray());
    }

    /// <summary>
    /// How many images <see cref="EncodeEach"/> decodes before it encodes them: a multiple of the conv codecs' own batch
    /// (256), so the codes are those of one call, and at 224×224 RGB about 150 MB of pixels.
    /// </summary>
    public const int EncodeBatch = 256;

    /// <summary>
    /// Every item's image decoded as <see cref="LoadEach"/> decodes it and encoded by <paramref name="codec"/> at once, a batch
    /// of <see cref="EncodeBatch"/> at a time, so that only the codes are kept: ten thousand photographs through ResNet-18
    /// hold 20 MB of codes and one batch of pixels, not 6 GB. An image that does not decode leaves its item out, as in
    /// <see cref="LoadEach"/>. <paramref name="progress"/> hears how many images have been decoded and encoded.
    /// </summary>
    public static EncodedDatasetImages EncodeEach(IReadOnlyList<DatasetItem> items, IImageCodec codec, IProgress<int>? progress = null, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(codec);
        int size = codec.Shape.Width;
        bool grey = codec.Shape.Channels == 1;
        if (codec.Shape.Height != size || codec.Shape.Channels is not (1 or 3))
        {
            throw new ArgumentException($"A dataset's images are prepared square, grey or RGB; the codec {codec.Name} reads {codec.Shape}.", nameof(codec));
        }

        int length = codec.CodeLength;
        var codes = new float[items.Count * length];
        var decoded = new List<int>(items.Count);
        var failed = new List<DatasetProblem>();
        for (int start = 0; start < items.Count; start += EncodeBatch)
        {
            int count = Math.Min(EncodeBatch, items.Count - start);
            var batch = new DatasetItem[count];
            for (int i = 0; i < count; i++)
            {
                batch[i] = items[start + i];
            }

            int offset = start;
            PreparedImages prepared = LoadEach(batch, size, grey, progress is null ? null : new Inline(done => progress.Report(offset + done)), root);
            failed.AddRange(prepared.Failed);
            if (prepared.Decoded.Count > 0)
            {
                codec.Encode(prepared.Rows).Span.CopyTo(codes.AsSpan(decoded.Count * length));
            }

            decoded.AddRange(prepared.Decoded.Select(i => offset + i));
        }

        float[] kept = decoded.Count == items.Count ? codes : codes.AsSpan(0, decoded.Count * length).ToArray();
        return new EncodedDatasetImages(ImageSource.FromCodes(Tensor.FromArray(kept, decoded.Count, length), codec), decoded, failed);
    }

    private static float[] Prepare(DatasetItem item, int size, bool grey) => ImageOps.Prepare(item.ImageAtMost(DecodeSideFactor * size), size, grey);

    // Reports on the caller's thread, at once (Progress<T> would post to a synchronization context).
    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private static void Report(ref int done, int count, IProgress<int>? progress)
    {
        int finished = Interlocked.Increment(ref done);
        if (finished % 256 == 0 || finished == count)
        {
            progress?.Report(finished);
        }
    }
}

/// <summary>
/// The prepared images of the items that decoded: <paramref name="Rows"/> [decoded, size·size·channels], the items'
/// indices (<paramref name="Decoded"/>, ascending) and a problem for each item that did not decode.
/// </summary>
public sealed record PreparedImages(Tensor Rows, IReadOnlyList<int> Decoded, IReadOnlyList<DatasetProblem> Failed);

/// <summary>
/// The encoded images of the items that decoded: <paramref name="Images"/> (their codes, <see cref="ImageSource.FromCodes"/>),
/// the items' indices (<paramref name="Decoded"/>, ascending) and a problem for each item that did not decode.
/// </summary>
public sealed record EncodedDatasetImages(ImageSource Images, IReadOnlyList<int> Decoded, IReadOnlyList<DatasetProblem> Failed);
